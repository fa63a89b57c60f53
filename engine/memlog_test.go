package engine_test

import (
	"testing"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/engine/logtest"
)

func TestMemLogKeepsTheLogContract(t *testing.T) {
	logtest.Run(t, func(*testing.T) engine.Log { return engine.NewMemLog() })
}
