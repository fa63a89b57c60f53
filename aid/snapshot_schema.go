package aid

import "github.com/floodcmd/floodcmd/internal/snapshotio"

// SnapshotSchema fingerprints mutual aid's snapshot types, for the fold
// snapshot's header (engine.SnapshotSchema).
var SnapshotSchema = snapshotio.Schema(snap{})
