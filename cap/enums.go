package cap

// Enumerations exactly as CAP 1.2 lists them.
var (
	Statuses      = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	MsgTypes      = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	Scopes        = []string{"Public", "Restricted", "Private"}
	Categories    = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	Urgencies     = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	Severities    = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	Certainties   = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
	ResponseTypes = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
)
