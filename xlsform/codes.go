package xlsform

import "github.com/youthvoice/youthvoice/surveys"

// Code is a problem's code: its message is "field.<code>" in
// i18n/locales, filled with the Problem's Params.
type Code = surveys.Code

// Problems: the workbook cannot become a definition.
const (
	CodeNoSurveySheet      Code = "xlsform_no_survey_sheet"
	CodeNoQuestions        Code = "xlsform_no_questions"
	CodeSupportRequired    Code = "xlsform_support_required"
	CodeContentNote        Code = "xlsform_content_note_required" // Language
	CodeTypeIdentity       Code = "xlsform_type_identity"         // Type
	CodeMissingColumn      Code = "xlsform_missing_column"        // Column
	CodeDuplicateColumn    Code = "xlsform_duplicate_column"      // Column
	CodeTooManyRows        Code = "xlsform_too_many_rows"         // Max
	CodeTooManyColumns     Code = "xlsform_too_many_columns"      // Max
	CodeTooManySheets      Code = "xlsform_too_many_sheets"       // Max
	CodeTooManyCells       Code = "xlsform_too_many_cells"        // Max
	CodeCellTooLong        Code = "xlsform_cell_too_long"         // Max
	CodeUnsupportedType    Code = "xlsform_unsupported_type"      // Type
	CodeTypeLocation       Code = "xlsform_type_location"         // Type
	CodeTypeMedia          Code = "xlsform_type_media"            // Type
	CodeTypeDate           Code = "xlsform_type_date"             // Type
	CodeTypeCalculate      Code = "xlsform_type_calculate"        // Type
	CodeTypeRepeat         Code = "xlsform_type_repeat"
	CodeTypeAcknowledge    Code = "xlsform_type_acknowledge" // Type
	CodeExternalChoices    Code = "xlsform_external_choices" // Type
	CodeChoiceFilter       Code = "xlsform_choice_filter"
	CodeUnsupportedColumn  Code = "xlsform_unsupported_column" // Column
	CodeListRequired       Code = "xlsform_list_required"
	CodeUnknownList        Code = "xlsform_unknown_list" // List
	CodeGroupUnbalanced    Code = "xlsform_group_unbalanced"
	CodeLanguageUnknown    Code = "xlsform_language_unknown" // Language
	CodeRequiredExpression Code = "xlsform_required_expression"
	CodeRelevant           Code = "xlsform_relevant_unsupported"
	CodeNumberBounds       Code = "xlsform_number_bounds"
	CodeSettingInvalid     Code = "xlsform_setting_invalid" // Setting
	CodeYesNo              Code = "xlsform_yes_no"
	// CodeMore ends a list of problems or warnings cut at 1000.
	CodeMore Code = "xlsform_more" // Count
)

// Warnings: converted with a loss or a guess.
const (
	CodeMetadataIgnored   Code = "xlsform_metadata_ignored"   // Type
	CodeColumnIgnored     Code = "xlsform_column_ignored"     // Column
	CodeAppearanceIgnored Code = "xlsform_appearance_ignored" // Appearance
	CodeConstraintIgnored Code = "xlsform_constraint_ignored"
	CodeStrictBound       Code = "xlsform_strict_bound"
	CodeNestedGroup       Code = "xlsform_nested_group"
	CodeNoteIntroduction  Code = "xlsform_note_introduction"
	CodeNoteHelp          Code = "xlsform_note_help"
	CodeNoteDropped       Code = "xlsform_note_dropped"
	CodeLanguageAssumed   Code = "xlsform_language_assumed" // Language
	CodeTitleAssumed      Code = "xlsform_title_assumed"    // Title
	CodeOtherAdded        Code = "xlsform_other_added"      // Label
	CodeMatrix            Code = "xlsform_matrix"           // Points
	CodeRange             Code = "xlsform_range"            // Min, Max
)
