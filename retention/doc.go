// Package retention decides how long each kind of data lives and acts on it
// when that time ends: retention policies, legal holds, sweeps with
// evidence, and erasure by crypto-shredding.
//
// The semantics follow S3 Object Lock (governance and compliance modes,
// legal holds), GCS retention policies and Microsoft Purview retention
// labels, applied to application data in any store.
//
// # Policies
//
// A [Policy] per category of data sets a retention [Period] (or a fixed
// retain-until date), the [Trigger] that starts it (created, modified, last
// activity, or a named event), the [Action] at its end (delete, anonymize,
// archive, crypto-shred, review), bounds on the period and a legal-basis
// note. A [Config] is a plain struct that decodes from JSON or YAML, with
// periods written "30d", "7y", "1y6mo" and parsed strictly; [New] validates
// it into an immutable [Policies].
//
// [Policies.Evaluate] is a pure function of a record's timestamps and the
// clock: retain (until when), held, or due (which action). It does not
// allocate.
//
// # Modes and holds
//
// In [Governance] mode an actor holding [CapBypassGovernance] who also sets
// the per-call [Privilege.Bypass] flag may dispose of a record early or
// shorten the policy; in [Compliance] mode no one may, and periods can only
// be extended. A legal [Hold] has no expiry; while it applies nothing in this
// package deletes, anonymizes or shreds the record. Placing and lifting
// holds, early disposal and policy changes go through a [Governor], which
// checks an [Authorizer] and writes an [AuditEvent] to an [Auditor] before
// the act; without both, privileged acts are denied.
//
// # Sweeps
//
// A [Sweeper] walks a [Source] in batches, evaluates each record, and hands
// due records to the [Handler] of their action. It writes a [Disposition]
// (record ID, category, rule, action, time, actor, outcome; never the data)
// to an [EvidenceSink] for every act and for every due record skipped
// because of a hold, and saves a checkpoint after each batch, so that an
// interrupted sweep resumes and repeats nothing harmful. Batch size and rate
// are bounded by [SweepConfig]; [Sweeper.DryRun] reports what a sweep would
// do and changes nothing. The sqlsource sub-package sweeps SQL tables; the
// sqlevidence sub-package stores evidence in PostgreSQL.
//
// # Token clean-up
//
// Expired vault tokens are one more [Source], of a category such as
// "vault_token" whose policy has trigger [Event] ("expired"), action [Delete]
// and a period that is the grace after expiry ("0s": at once). A vault store
// cannot list its expired tokens, only remove them in bounded chunks, so the
// tokenize package's TokenCleanup is both the Source and the Delete
// [Handler], with one record per vault standing for all its tokens: a legal
// hold on that record pauses the vault's clean-up, and each sweep leaves one
// [Disposition] per vault.
//
// # Erasure
//
// An [Eraser] runs a right-to-be-forgotten request for a subject: it
// refuses and queues the request while a hold applies, destroys the
// subject's data key through a [KeyShredder] (so every ciphertext of the
// subject, backups included, becomes unreadable), erases the subject from
// every [SubjectStore] (vault tokens, blind-index rows), and returns an
// [ErasureReport] of what was erased and what lies out of reach.
package retention
