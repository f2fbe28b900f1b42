package access

import (
	"context"
	"log/slog"
)

// SlogAuditor writes each audit event as one log record. It is immutable and
// safe for concurrent use.
type SlogAuditor struct {
	logger *slog.Logger
	level  slog.Level
}

// NewSlogAuditor returns an auditor that logs to logger at level
// slog.LevelInfo, with message "access: reveal". A nil logger uses
// slog.Default().
func NewSlogAuditor(logger *slog.Logger) *SlogAuditor {
	if logger == nil {
		logger = slog.Default()
	}
	return &SlogAuditor{logger: logger, level: slog.LevelInfo}
}

// Audit implements [Auditor]. The record has the attributes principal, roles,
// purpose, action, resource, subject, key_id, outcome and, on failure, error.
// Its time is the event's time.
func (a *SlogAuditor) Audit(ctx context.Context, e Event) {
	if !a.logger.Enabled(ctx, a.level) {
		return
	}
	r := slog.NewRecord(e.Time, a.level, "access: reveal", 0)
	r.AddAttrs(
		slog.String("principal", e.Principal),
		slog.Any("roles", e.Roles),
		slog.String("purpose", e.Purpose),
		slog.String("action", e.Action.String()),
		slog.String("resource", e.Resource),
		slog.String("subject", e.Subject),
		slog.Any("key_id", e.KeyID),
		slog.String("outcome", e.Outcome.String()),
	)
	if e.Err != nil {
		r.AddAttrs(slog.String("error", e.Err.Error()))
	}
	_ = a.logger.Handler().Handle(ctx, r)
}
