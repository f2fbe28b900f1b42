package keys

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/daead"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// KeyStatus is the rotation state of one key. The zero value is invalid.
type KeyStatus uint8

// Key statuses.
const (
	StatusUnknown KeyStatus = iota
	// StatusEnabled keys decrypt; the primary key (always enabled) also
	// encrypts.
	StatusEnabled
	// StatusDisabled keys are kept but used for nothing; they can be
	// enabled again.
	StatusDisabled
	// StatusDestroyed keys have had their material removed; only their ID
	// and dates remain.
	StatusDestroyed
)

// String returns "enabled", "disabled", "destroyed" or "unknown".
func (s KeyStatus) String() string {
	switch s {
	case StatusEnabled:
		return "enabled"
	case StatusDisabled:
		return "disabled"
	case StatusDestroyed:
		return "destroyed"
	}
	return "unknown"
}

func parseStatus(s string) KeyStatus {
	for _, st := range []KeyStatus{StatusEnabled, StatusDisabled, StatusDestroyed} {
		if st.String() == s {
			return st
		}
	}
	return StatusUnknown
}

// KeyInfo describes one key of a keyset, without its material.
type KeyInfo struct {
	ID      uint32
	Status  KeyStatus
	Primary bool
	// Created is when the key was added. Tink keysets do not record it;
	// Custos keeps it beside the keyset in its file format.
	Created time.Time
	// Changed is when the status last changed (equal to Created for a key
	// never disabled, enabled or destroyed).
	Changed time.Time
}

// Keyset is a Tink keyset of one [Template] plus the metadata Tink lacks
// (creation time and status history of each key, destroyed keys' IDs).
//
// A Keyset is immutable and safe for concurrent use: rotation steps return a
// new Keyset. It never prints key material: fmt, slog and encoding/json show
// a redacted summary with the key IDs.
type Keyset struct {
	template Template
	handle   *keyset.Handle
	infos    []KeyInfo // in keyset order; destroyed keys included
	derived  bool

	derivedMu    sync.Mutex
	derivedCache map[deriveKey]any
}

// Option configures [New] and the rotation steps.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock sets the clock used to stamp creation and status-change times
// (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

func applyOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}

// New returns a keyset of template t with one fresh primary key.
func New(t Template, opts ...Option) (*Keyset, error) {
	if !t.valid() {
		return nil, errorf(ErrInvalidTemplate, "template %d", t)
	}
	o := applyOptions(opts)
	h, err := keyset.NewHandle(t.tinkTemplate())
	if err != nil {
		return nil, fmt.Errorf("keys: creating %s keyset: %w", t, err)
	}
	p, err := h.Primary()
	if err != nil {
		return nil, fmt.Errorf("keys: creating %s keyset: %w", t, err)
	}
	now := o.now().UTC()
	return &Keyset{template: t, handle: h, infos: []KeyInfo{{ID: p.KeyID(), Status: StatusEnabled, Primary: true, Created: now, Changed: now}}}, nil
}

// Template returns the keyset's template.
func (k *Keyset) Template() Template { return k.template }

// Handle returns the underlying Tink keyset handle (which holds only enabled
// and disabled keys). Use it with Tink's own factories when needed.
func (k *Keyset) Handle() *keyset.Handle { return k.handle }

// Derived reports whether the keyset was derived from a root with
// [Keyset.Derive].
func (k *Keyset) Derived() bool { return k.derived }

// Keys returns the keys' descriptions, destroyed keys included.
func (k *Keyset) Keys() []KeyInfo { return slices.Clone(k.infos) }

// PrimaryID returns the ID of the primary key.
func (k *Keyset) PrimaryID() uint32 {
	for _, ki := range k.infos {
		if ki.Primary {
			return ki.ID
		}
	}
	return 0
}

// Key returns the description of the key with the given ID.
func (k *Keyset) Key(id uint32) (KeyInfo, error) {
	i := k.index(id)
	if i < 0 {
		return KeyInfo{}, errorf(ErrKeyNotFound, "no key with ID %d", id)
	}
	return k.infos[i], nil
}

func (k *Keyset) index(id uint32) int {
	return slices.IndexFunc(k.infos, func(ki KeyInfo) bool { return ki.ID == id })
}

// AEAD returns the keyset's randomized AEAD primitive (templates AES256GCM,
// XChaCha20Poly1305). Ciphertexts start with the 5-byte Tink prefix naming
// the key ID; all enabled keys decrypt. For AES-GCM keysets it dispatches on
// the prefix to Tink's per-key primitives directly, skipping the keyset
// wrapper's lookup and monitoring hooks; ciphertexts are identical.
func (k *Keyset) AEAD() (tink.AEAD, error) {
	if k.template != AES256GCM && k.template != XChaCha20Poly1305 {
		return nil, errorf(ErrWrongTemplate, "AEAD needs AES256_GCM or XCHACHA20_POLY1305, keyset is %s", k.template)
	}
	a, err := newAEAD(k.handle)
	if err != nil {
		return nil, fmt.Errorf("keys: AEAD: %w", err)
	}
	return a, nil
}

// DeterministicAEAD returns the keyset's deterministic AEAD primitive
// (template AES256SIV). Equal plaintexts under equal associated data give
// equal ciphertexts: use it only where equality is worth that leak.
func (k *Keyset) DeterministicAEAD() (tink.DeterministicAEAD, error) {
	if k.template != AES256SIV {
		return nil, errorf(ErrWrongTemplate, "deterministic AEAD needs AES256_SIV, keyset is %s", k.template)
	}
	d, err := daead.New(k.handle)
	if err != nil {
		return nil, fmt.Errorf("keys: deterministic AEAD: %w", err)
	}
	return d, nil
}

// StreamingAEAD returns the keyset's streaming AEAD primitive (template
// AES256GCMHKDF1MB).
func (k *Keyset) StreamingAEAD() (tink.StreamingAEAD, error) {
	if k.template != AES256GCMHKDF1MB {
		return nil, errorf(ErrWrongTemplate, "streaming AEAD needs AES256_GCM_HKDF_1MB, keyset is %s", k.template)
	}
	s, err := streamingaead.New(k.handle)
	if err != nil {
		return nil, fmt.Errorf("keys: streaming AEAD: %w", err)
	}
	return s, nil
}

// PRF returns the HMAC-SHA256 PRF of the primary key (template
// HMACSHA256PRF).
func (k *Keyset) PRF() (*PRF, error) {
	if k.template != HMACSHA256PRF {
		return nil, errorf(ErrWrongTemplate, "PRF needs HMAC_SHA256_PRF, keyset is %s", k.template)
	}
	p, err := k.handle.Primary()
	if err != nil {
		return nil, fmt.Errorf("keys: PRF: %w", err)
	}
	hk, ok := p.Key().(*hmacprf.Key)
	if !ok {
		return nil, errorf(ErrInvalidTemplate, "primary key %d is not an HMAC PRF key", p.KeyID())
	}
	return newPRF(p.KeyID(), hk.KeyBytes().Data(insecuresecretdataaccess.Token{})), nil
}

// rotation

func (k *Keyset) mutable() error {
	if k.derived {
		return errorf(ErrDerived, "rotate the root keyset")
	}
	return nil
}

func (k *Keyset) with(h *keyset.Handle, infos []KeyInfo) *Keyset {
	return &Keyset{template: k.template, handle: h, infos: infos}
}

// Add returns a copy of the keyset with one more key, enabled but not
// primary, and the new key's ID. Promote it once every reader has the new
// keyset.
func (k *Keyset) Add(opts ...Option) (*Keyset, uint32, error) {
	if err := k.mutable(); err != nil {
		return nil, 0, err
	}
	o := applyOptions(opts)
	m := keyset.NewManagerFromHandle(k.handle)
	id, err := m.Add(k.template.tinkTemplate())
	if err != nil {
		return nil, 0, fmt.Errorf("keys: adding key: %w", err)
	}
	if k.index(id) >= 0 { // a destroyed key's ID is never reused
		return nil, 0, errorf(ErrInvalidKeyStatus, "new key ID %d collides with a destroyed key; retry", id)
	}
	h, err := m.Handle()
	if err != nil {
		return nil, 0, fmt.Errorf("keys: adding key: %w", err)
	}
	now := o.now().UTC()
	infos := append(slices.Clone(k.infos), KeyInfo{ID: id, Status: StatusEnabled, Created: now, Changed: now})
	return k.with(h, infos), id, nil
}

// Promote returns a copy of the keyset in which key id, which must be
// enabled, is the primary key.
func (k *Keyset) Promote(id uint32) (*Keyset, error) {
	if err := k.mutable(); err != nil {
		return nil, err
	}
	i := k.index(id)
	if i < 0 {
		return nil, errorf(ErrKeyNotFound, "no key with ID %d", id)
	}
	if k.infos[i].Status != StatusEnabled {
		return nil, errorf(ErrInvalidKeyStatus, "key %d is %s; only an enabled key can be primary", id, k.infos[i].Status)
	}
	m := keyset.NewManagerFromHandle(k.handle)
	if err := m.SetPrimary(id); err != nil {
		return nil, fmt.Errorf("keys: promoting key %d: %w", id, err)
	}
	h, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("keys: promoting key %d: %w", id, err)
	}
	infos := slices.Clone(k.infos)
	for j := range infos {
		infos[j].Primary = infos[j].ID == id
	}
	return k.with(h, infos), nil
}

// Disable returns a copy of the keyset in which key id, which must be enabled
// and not primary, is disabled: it no longer decrypts.
func (k *Keyset) Disable(id uint32, opts ...Option) (*Keyset, error) {
	return k.setStatus(id, StatusDisabled, opts)
}

// Enable returns a copy of the keyset in which the disabled key id is
// enabled again.
func (k *Keyset) Enable(id uint32, opts ...Option) (*Keyset, error) {
	return k.setStatus(id, StatusEnabled, opts)
}

// Destroy returns a copy of the keyset without the material of key id, which
// must not be primary. Its ID, dates and status "destroyed" stay in the
// metadata, so its ID is never reused. Data encrypted under it is lost.
func (k *Keyset) Destroy(id uint32, opts ...Option) (*Keyset, error) {
	return k.setStatus(id, StatusDestroyed, opts)
}

func (k *Keyset) setStatus(id uint32, to KeyStatus, opts []Option) (*Keyset, error) {
	if err := k.mutable(); err != nil {
		return nil, err
	}
	i := k.index(id)
	if i < 0 {
		return nil, errorf(ErrKeyNotFound, "no key with ID %d", id)
	}
	ki := k.infos[i]
	switch {
	case ki.Primary:
		return nil, errorf(ErrInvalidKeyStatus, "key %d is primary; promote another key first", id)
	case ki.Status == StatusDestroyed:
		return nil, errorf(ErrInvalidKeyStatus, "key %d is destroyed", id)
	case ki.Status == to:
		return nil, errorf(ErrInvalidKeyStatus, "key %d is already %s", id, to)
	}
	m := keyset.NewManagerFromHandle(k.handle)
	var err error
	switch to {
	case StatusEnabled:
		err = m.Enable(id)
	case StatusDisabled:
		err = m.Disable(id)
	case StatusDestroyed:
		err = m.Delete(id)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: setting key %d %s: %w", id, to, err)
	}
	h, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("keys: setting key %d %s: %w", id, to, err)
	}
	o := applyOptions(opts)
	infos := slices.Clone(k.infos)
	infos[i].Status = to
	infos[i].Changed = o.now().UTC()
	return k.with(h, infos), nil
}

// redaction

func (k *Keyset) summary() string {
	var b strings.Builder
	b.WriteString("keys.Keyset{template=")
	b.WriteString(k.template.String())
	if k.derived {
		b.WriteString(" derived")
	}
	b.WriteString(" primary=")
	b.WriteString(strconv.FormatUint(uint64(k.PrimaryID()), 10))
	b.WriteString(" keys=[")
	for i, ki := range k.infos {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(uint64(ki.ID), 10))
		b.WriteByte(':')
		b.WriteString(ki.Status.String())
	}
	b.WriteString("]}")
	return b.String()
}

// String returns a redacted summary: template, primary key ID, key IDs and
// statuses.
func (k *Keyset) String() string { return k.summary() }

// GoString is like String.
func (k *Keyset) GoString() string { return k.summary() }

// Format prints the redacted summary for every verb.
func (k *Keyset) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.summary())) }

// LogValue logs the redacted summary.
func (k *Keyset) LogValue() slog.Value { return slog.StringValue(k.summary()) }

// MarshalJSON encodes the redacted summary as a JSON string. Use [Write] to
// store a keyset.
func (k *Keyset) MarshalJSON() ([]byte, error) { return json.Marshal(k.summary()) }

// MarshalText encodes the redacted summary.
func (k *Keyset) MarshalText() ([]byte, error) { return []byte(k.summary()), nil }

// FromHandle imports an existing Tink keyset of template t, e.g. one created
// with Tink's own tools. Tink keysets do not record when keys were created:
// every key gets the current time (see [WithClock]). Keys whose parameters
// do not match t are refused with [ErrInvalidTemplate].
func FromHandle(t Template, h *keyset.Handle, opts ...Option) (*Keyset, error) {
	if !t.valid() || h == nil {
		return nil, errorf(ErrInvalidTemplate, "template %d or nil handle", t)
	}
	now := applyOptions(opts).now().UTC()
	ks := &Keyset{template: t, handle: h}
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			return nil, fmt.Errorf("keys: importing keyset: %w", err)
		}
		if !t.matches(e.Key()) {
			return nil, errorf(ErrInvalidTemplate, "key %d does not match template %s", e.KeyID(), t)
		}
		st := StatusEnabled
		switch e.KeyStatus() {
		case keyset.Enabled:
		case keyset.Disabled:
			st = StatusDisabled
		default:
			return nil, errorf(ErrInvalidKeyStatus, "key %d has status %s", e.KeyID(), e.KeyStatus())
		}
		ks.infos = append(ks.infos, KeyInfo{ID: e.KeyID(), Status: st, Primary: e.IsPrimary(), Created: now, Changed: now})
	}
	if _, err := h.Primary(); err != nil {
		return nil, errorf(ErrInvalidKeyStatus, "keyset has no primary key")
	}
	return ks, nil
}
