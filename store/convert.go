package store

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Domain values that the database never queries inside (definitions,
// support resources, answers, tallies) are stored as their API JSON, in
// one string field: the document holds exactly what the organiser sent,
// and the embedded FerretDB, which spends most of its time converting
// fields, stores and reads it many times faster than nested documents.

// toJSON encodes a domain value for storage.
func toJSON(v any) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("store: encode: %w", err)
	}
	return string(j), nil
}

// fromJSON decodes a stored domain value.
func fromJSON(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("store: decode: %w", err)
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
