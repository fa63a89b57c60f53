package evac

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ParseConfig reads a town's evacuation configuration (a scenario's
// evac.json, every field optional: a missing one takes DefaultConfig's) and
// checks it. An unknown field is an error, so a misspelt figure is not
// silently replaced by the default.
func ParseConfig(raw []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: evacuation config: %v", ErrInvalid, err)
	}
	return c.withDefaults()
}
