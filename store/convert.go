package store

import (
	"encoding/json"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// jsonToBSON stores a domain value by its JSON form, so that the document
// in the database has exactly the field names of the API (a definition
// read from the database is the one the organiser sent).
func jsonToBSON(v any) (bson.Raw, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(j, false, &raw); err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	return raw, nil
}

// bsonToJSON is the inverse of jsonToBSON.
func bsonToJSON(raw bson.Raw, v any) error {
	j, err := bson.MarshalExtJSON(raw, false, false)
	if err != nil {
		return fmt.Errorf("store: decode: %w", err)
	}
	if err := json.Unmarshal(j, v); err != nil {
		return fmt.Errorf("store: decode: %w", err)
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
