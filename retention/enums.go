package retention

import "fmt"

// Action is what happens to a record when its retention period ends.
type Action uint8

// Actions. The zero Action is invalid.
const (
	ActionUnknown Action = iota
	// Delete removes the record.
	Delete
	// Anonymize rewrites the record through a caller-supplied function so
	// that it no longer relates to a person.
	Anonymize
	// Archive moves the record to an archive store.
	Archive
	// CryptoShred destroys the key the record is encrypted under.
	CryptoShred
	// Review flags the record for a person to decide.
	Review
	numActions
)

var actionNames = [...]string{"unknown", "delete", "anonymize", "archive", "crypto_shred", "review"}

// String returns the action's name as used in policy files ("delete",
// "anonymize", "archive", "crypto_shred", "review").
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// MarshalText encodes a valid action by name.
func (a Action) MarshalText() ([]byte, error) {
	if a == ActionUnknown || a >= numActions {
		return nil, fmt.Errorf("retention: cannot encode %v", a)
	}
	return []byte(a.String()), nil
}

// UnmarshalText decodes an action name; anything else is an error.
func (a *Action) UnmarshalText(text []byte) error {
	for i := Delete; i < numActions; i++ {
		if string(text) == actionNames[i] {
			*a = i
			return nil
		}
	}
	return fmt.Errorf("retention: unknown action %q (want delete, anonymize, archive, crypto_shred or review)", text)
}

// Trigger names the moment a record's retention period starts.
type Trigger uint8

// Triggers. The zero Trigger is invalid.
const (
	TriggerUnknown Trigger = iota
	// Created starts the period at the record's creation.
	Created
	// Modified starts the period at the record's last modification.
	Modified
	// LastActivity starts the period at the last activity of the subject or
	// record (a login, a purchase).
	LastActivity
	// Event starts the period when a named event happens (for example
	// "account_closed"); until then the record is retained.
	Event
	numTriggers
)

var triggerNames = [...]string{"unknown", "created", "modified", "last_activity", "event"}

// String returns the trigger's name as used in policy files.
func (t Trigger) String() string {
	if int(t) < len(triggerNames) {
		return triggerNames[t]
	}
	return fmt.Sprintf("Trigger(%d)", uint8(t))
}

// MarshalText encodes a valid trigger by name.
func (t Trigger) MarshalText() ([]byte, error) {
	if t == TriggerUnknown || t >= numTriggers {
		return nil, fmt.Errorf("retention: cannot encode %v", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes a trigger name; anything else is an error.
func (t *Trigger) UnmarshalText(text []byte) error {
	for i := Created; i < numTriggers; i++ {
		if string(text) == triggerNames[i] {
			*t = i
			return nil
		}
	}
	return fmt.Errorf("retention: unknown trigger %q (want created, modified, last_activity or event)", text)
}

// Mode says who, if anyone, may act on a record before its period ends, and
// whether the period may be shortened. The semantics follow S3 Object Lock.
type Mode uint8

// Modes. The zero Mode is invalid.
const (
	ModeUnknown Mode = iota
	// Governance lets an actor holding [CapBypassGovernance] who also sets
	// the per-call [Privilege.Bypass] flag dispose of a record early or
	// shorten the policy; every such act is audited.
	Governance
	// Compliance forbids early disposal and shortening to everyone; the
	// period can only be extended.
	Compliance
	numModes
)

var modeNames = [...]string{"unknown", "governance", "compliance"}

// String returns the mode's name as used in policy files.
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// MarshalText encodes a valid mode by name.
func (m Mode) MarshalText() ([]byte, error) {
	if m == ModeUnknown || m >= numModes {
		return nil, fmt.Errorf("retention: cannot encode %v", m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText decodes a mode name; anything else is an error.
func (m *Mode) UnmarshalText(text []byte) error {
	for i := Governance; i < numModes; i++ {
		if string(text) == modeNames[i] {
			*m = i
			return nil
		}
	}
	return fmt.Errorf("retention: unknown mode %q (want governance or compliance)", text)
}

// Verdict is the evaluator's answer for one record.
type Verdict uint8

// Verdicts. The zero Verdict is invalid.
const (
	VerdictUnknown Verdict = iota
	// Retain: the period has not ended (or its trigger has not happened).
	Retain
	// Held: a legal hold applies; nothing may be done to the record.
	Held
	// Due: the period has ended; the policy's action should be applied.
	Due
)

var verdictNames = [...]string{"unknown", "retain", "held", "due"}

// String returns the verdict's name.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}
