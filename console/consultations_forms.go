package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/internal/strictjson"
	"github.com/youthvoice/youthvoice/surveys"
)

// The consultations' forms: the moves through the states (a confirmation
// page, then a POST to app.MoveConsultation), and the JSON uploads that
// create and edit a consultation and publish its outcome and updates: the
// same documents as the API's bodies (POST and PUT
// /v1/org/consultations, POST .../outcome and .../outcome/updates),
// decoded as strictly (internal/strictjson) and given to the same
// workflows (app.CreateConsultation, UpdateConsultation, PublishOutcome,
// UpdateOutcome), which check, save and audit them. A refused document is
// never stored: the page lists its problems at readable places, with
// their pointers.

// orgConsultation is the consultation in the path if it is the caller's
// organisation's (changing it is the organisation's: a shared one, or
// another's, is a 404, as in the API).
func (c *Console) orgConsultation(ctx *fiber.Ctx, w *who) (*surveys.Consultation, error) {
	return c.store.Consultation(ctx.UserContext(), w.tok.OrgID, ctx.Params("id"))
}

// moveView is a move's confirmation page.
type moveView struct {
	ID, Title, TitleLang string
	State                surveys.ConsultationState
	Action               string
	Problems             []problemView
}

// consultationAction reads the move in the path; anything else is a 404
// like an unknown page.
func consultationAction(ctx *fiber.Ctx) (string, surveys.ConsultationState, error) {
	a := ctx.Params("action")
	for _, m := range consultationActions {
		if m.action == a {
			return a, m.target, nil
		}
	}
	return "", "", fiber.ErrNotFound
}

// moveTitle names each confirmation page (literal ids, so that the
// messages test finds them).
var moveTitle = map[string]string{
	"publish": "console.consultation.move.publish",
	"analyse": "console.consultation.move.analyse",
	"decide":  "console.consultation.move.decide",
	"close":   "console.consultation.move.close",
}

func (c *Console) moveViewOf(ctx *fiber.Ctx, k *surveys.Consultation, action string) *moveView {
	d := &k.Definition
	lang := c.textLang(ctx, d, "")
	return &moveView{ID: k.ID, Title: d.Text(d.Title, lang), TitleLang: lang, State: k.State, Action: action}
}

func (c *Console) renderMove(ctx *fiber.Ctx, status int, v *moveView) error {
	return c.render(ctx, status, "consultation_move", &page{Title: c.cat.Message(c.lang(ctx), moveTitle[v.Action], nil), Data: v})
}

// confirmMove is GET /console/consultations/{id}/move/{action}: what the
// move means, and the button that makes it (owners and editors, as POST
// /v1/org/consultations/{id}/{action}).
func (c *Console) confirmMove(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	action, _, err := consultationAction(ctx)
	if err != nil {
		return err
	}
	k, err := c.orgConsultation(ctx, w)
	if err != nil {
		return err
	}
	return c.renderMove(ctx, fiber.StatusOK, c.moveViewOf(ctx, k, action))
}

// moveConsultation is POST /console/consultations/{id}/move/{action}: the
// confirmed move, by the API's workflow (app.MoveConsultation: the
// domain's rules, a complete definition and published surveys to publish,
// the version-checked save, the audit entry), then the consultation's
// page. A refusal shows the confirmation page again with its reasons.
func (c *Console) moveConsultation(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	action, target, err := consultationAction(ctx)
	if err != nil {
		return err
	}
	k, err := c.orgConsultation(ctx, w)
	if err != nil {
		return err
	}
	before := *k
	err = c.app.MoveConsultation(ctx.UserContext(), w.tok, k, target)
	if err == nil {
		return ctx.Redirect(Prefix+"consultations/"+k.ID+"?done="+action, fiber.StatusSeeOther)
	}
	status, problems := c.consultationRefusal(c.lang(ctx), err)
	if status == 0 {
		return err
	}
	v := c.moveViewOf(ctx, &before, action)
	v.Problems = problems
	return c.renderMove(ctx, status, v)
}

// consultationRefusal explains why a consultation's or an outcome's
// workflow refused a change, with the status and message of the API's
// problem for it (api/consultations.go consultationProblem,
// api/outcomes.go outcomeProblem); 0 for an error that is not a refusal
// (guard's error page shows those).
func (c *Console) consultationRefusal(lang string, err error) (int, []problemView) {
	state := func(s surveys.ConsultationState) string {
		return c.cat.Message(lang, "consultation.state."+string(s), nil)
	}
	one := func(status int, kind string, data map[string]any) (int, []problemView) {
		return status, []problemView{{Message: c.cat.Message(lang, kind+".detail", data)}}
	}
	var ve *surveys.ValidationError
	var te *surveys.TransitionError
	var se *surveys.OutcomeStateError
	switch {
	case errors.As(err, &ve):
		return fiber.StatusUnprocessableEntity, c.fieldProblems(lang, nil, ve.Errors)
	case errors.As(err, &te):
		return one(fiber.StatusConflict, problem("consultation_transition"), map[string]any{"From": state(te.From), "To": state(te.To)})
	case errors.Is(err, surveys.ErrConsultationNotEditable):
		return one(fiber.StatusConflict, problem("consultation_not_editable"), nil)
	case errors.As(err, &se):
		return one(fiber.StatusConflict, problem("outcome_state"), map[string]any{"State": state(se.State)})
	case errors.Is(err, surveys.ErrOutcomePublished):
		return one(fiber.StatusConflict, problem("outcome_published"), nil)
	case errors.Is(err, surveys.ErrNoOutcome):
		return one(fiber.StatusConflict, problem("outcome_missing"), nil)
	case errors.Is(err, surveys.ErrTooManyUpdates):
		return one(fiber.StatusConflict, problem("outcome_updates"), map[string]any{"Max": surveys.MaxOutcomeUpdates})
	case errors.Is(err, surveys.ErrOutcomeTooLarge):
		return one(fiber.StatusUnprocessableEntity, problem("outcome_too_large"), map[string]any{"Max": surveys.MaxOutcomeBytes >> 20})
	case errors.Is(err, surveys.ErrConflict):
		return one(fiber.StatusConflict, problem("conflict"), nil)
	}
	return 0, nil
}

// The documents a consultation's upload form takes.
const (
	uploadCreate  = "create"  // a new consultation's definition
	uploadEdit    = "edit"    // a consultation's definition, replacing its own
	uploadOutcome = "outcome" // the outcome, published once
	uploadUpdate  = "update"  // an update appended to the outcome
)

// uploadView is a consultation's upload page.
type uploadView struct {
	Kind                 string
	Action               string // the form's address
	ID, Title, TitleLang string // the consultation (not when creating)
	FileName             string
	JSON                 string // the pasted document, kept on a refusal
	Problems             []problemView
}

// uploadTitle names each upload page (literal ids, for the messages test).
var uploadTitle = map[string]string{
	uploadCreate:  "console.consultation.upload.create",
	uploadEdit:    "console.consultation.upload.edit",
	uploadOutcome: "console.consultation.upload.outcome",
	uploadUpdate:  "console.consultation.upload.update",
}

func (c *Console) renderUpload(ctx *fiber.Ctx, status int, v *uploadView) error {
	return c.render(ctx, status, "consultation_upload", &page{Title: c.cat.Message(c.lang(ctx), uploadTitle[v.Kind], nil), Data: v})
}

// uploadKind reads which document a path's form takes, and the form's
// address.
func uploadKind(ctx *fiber.Ctx) (string, string) {
	p := strings.TrimSuffix(ctx.Path(), "/")
	switch {
	case strings.HasSuffix(p, "/consultations/new"):
		return uploadCreate, Prefix + "consultations/new"
	case strings.HasSuffix(p, "/outcome/update"):
		return uploadUpdate, Prefix + "consultations/" + ctx.Params("id") + "/outcome/update"
	case strings.HasSuffix(p, "/outcome"):
		return uploadOutcome, Prefix + "consultations/" + ctx.Params("id") + "/outcome"
	}
	return uploadEdit, Prefix + "consultations/" + ctx.Params("id") + "/edit"
}

// uploadPage is GET of /console/consultations/new, {id}/edit, {id}/outcome
// and {id}/outcome/update: the form to upload (or paste) the document.
// Owners and editors, of the consultation's own organisation.
func (c *Console) uploadPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	kind, action := uploadKind(ctx)
	v := &uploadView{Kind: kind, Action: action}
	if kind != uploadCreate {
		k, err := c.orgConsultation(ctx, w)
		if err != nil {
			return err
		}
		c.nameUpload(ctx, v, k)
	}
	return c.renderUpload(ctx, fiber.StatusOK, v)
}

func (c *Console) nameUpload(ctx *fiber.Ctx, v *uploadView, k *surveys.Consultation) {
	d := &k.Definition
	v.ID, v.TitleLang = k.ID, c.textLang(ctx, d, "")
	v.Title = d.Text(d.Title, v.TitleLang)
}

// maxPastedShown bounds the pasted document a refused form shows again
// (the request's body limit bounds what was sent).
const maxPastedShown = 256 << 10

// upload is POST of the upload pages: the document from the file field
// ("file") or, without a file, the text field ("json"), decoded strictly
// and given to the kind's workflow; on success the consultation's page.
func (c *Console) upload(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	kind, action := uploadKind(ctx)
	v := &uploadView{Kind: kind, Action: action}
	var k *surveys.Consultation
	if kind != uploadCreate {
		if k, err = c.orgConsultation(ctx, w); err != nil {
			return err
		}
		c.nameUpload(ctx, v, k)
	}
	lang := c.lang(ctx)
	data, status, err := c.uploadedDocument(ctx, v)
	if err != nil || status != 0 {
		if err != nil {
			return err
		}
		return c.renderUpload(ctx, status, v)
	}
	id, done, err := c.applyUpload(ctx, w, kind, k, data)
	var bad *strictjson.Error
	if errors.As(err, &bad) {
		v.Problems = []problemView{c.jsonProblem(lang, bad)}
		return c.renderUpload(ctx, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		status, problems := c.consultationRefusal(lang, err)
		if status == 0 {
			return err
		}
		v.Problems = problems
		return c.renderUpload(ctx, status, v)
	}
	return ctx.Redirect(Prefix+"consultations/"+id+"?done="+done, fiber.StatusSeeOther)
}

// uploadedDocument reads the form's document: a chosen file, else the
// pasted text. A missing or too large one is a problem on the page (its
// status returned), never an error page.
func (c *Console) uploadedDocument(ctx *fiber.Ctx, v *uploadView) ([]byte, int, error) {
	lang := c.lang(ctx)
	if fh, err := ctx.FormFile("file"); err == nil && fh.Size > 0 {
		v.FileName = path.Base(fh.Filename)
		data, err := readUpload(fh)
		if err != nil {
			return nil, 0, err
		}
		if data == nil {
			v.Problems = []problemView{{Message: c.cat.Message(lang, "problem.body_too_large.detail", nil)}}
			return nil, fiber.StatusRequestEntityTooLarge, nil
		}
		return data, 0, nil
	}
	text := ctx.FormValue("json")
	if len(text) <= maxPastedShown {
		v.JSON = text
	}
	if strings.TrimSpace(text) == "" {
		v.Problems = []problemView{{Message: c.cat.Message(lang, "console.consultation.upload.empty", nil)}}
		return nil, fiber.StatusUnprocessableEntity, nil
	}
	return []byte(text), 0, nil
}

// applyUpload decodes the document as the kind's body and runs its
// workflow; it returns the consultation's id and the page's notice.
func (c *Console) applyUpload(ctx *fiber.Ctx, w *who, kind string, k *surveys.Consultation, data []byte) (string, string, error) {
	rctx := ctx.UserContext()
	switch kind {
	case uploadCreate, uploadEdit:
		var def surveys.ConsultationDefinition
		if err := strictjson.Decode(data, &def); err != nil {
			return "", "", err
		}
		if kind == uploadCreate {
			created, err := c.app.CreateConsultation(rctx, w.tok, def)
			if err != nil {
				return "", "", err
			}
			return created.ID, "created", nil
		}
		return k.ID, "updated", c.app.UpdateConsultation(rctx, w.tok, k, def)
	case uploadOutcome:
		var in surveys.OutcomeInput
		if err := strictjson.Decode(data, &in); err != nil {
			return "", "", err
		}
		_, err := c.app.PublishOutcome(rctx, w.tok, k, &in, nil, c.notAnswered)
		return k.ID, "outcome", err
	default:
		var in surveys.OutcomeUpdateInput
		if err := strictjson.Decode(data, &in); err != nil {
			return "", "", err
		}
		_, err := c.app.UpdateOutcome(rctx, w.tok, k, &in, nil, c.notAnswered)
		return k.ID, "outcome_update", err
	}
}

// notAnswered labels the group of those who did not answer a breakdown
// question in the server language closest to lang (as the API's).
func (c *Console) notAnswered(lang string) string {
	return c.cat.Message(c.cat.Negotiate(lang, ""), "text.not_answered", nil)
}

// consultationDefinition is GET /console/consultations/{id}/definition:
// the consultation's definition as a JSON file, the document the edit
// form takes back (the API's GET /v1/org/consultations/{id} "definition").
// Its organisation's roles only: a ministry reads the page.
func (c *Console) consultationDefinition(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	k, err := c.orgConsultation(ctx, w)
	if err != nil {
		return err
	}
	// Markdown keeps its <, > and & as written.
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(k.Definition); err != nil {
		return err
	}
	short := k.ID
	if len(short) > 8 {
		short = short[:8]
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="youthvoice-`+short+`-consultation.json"`)
	return ctx.Send(body.Bytes())
}
