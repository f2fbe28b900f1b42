package tokenize

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/tokenize/vault"
)

// Vault token sizes.
const (
	// RandomTokenSize is the number of random bytes of an opaque vault
	// token: 128 bits.
	RandomTokenSize = 16
	// RandomTokenLen is the length of an opaque vault token: RandomTokenSize
	// bytes in lowercase unpadded base32.
	RandomTokenLen = 26
	// maxAttempts bounds how often a token is drawn again after colliding
	// with a stored one.
	maxAttempts = 8
	// purgeChunk is how many expired records DeleteExpired asks the store
	// to remove per call.
	purgeChunk = 1000
)

// VaultConfig configures a [Vault]. The zero value is the default: opaque
// random tokens, a fresh token on every call, no value index, no expiry.
type VaultConfig struct {
	// Convergent gives one token per value: Tokenize returns the live token
	// of a value tokenized before instead of a new one. It leaks equality;
	// see the package documentation. It implies IndexValues and enables
	// Vault.TokenOf.
	Convergent bool
	// IndexValues stores a keyed hash of the value with each record, so that
	// Vault.DeleteValue can erase every token of a value.
	IndexValues bool
	// TTL is the lifetime of a token when the call sets none; zero means
	// tokens do not expire.
	TTL time.Duration
	// Format, when its Alphabet is set, makes format-preserving random
	// tokens: the characters the template would tokenize are drawn at
	// random from its alphabet (a token that fails to be unique is drawn
	// again), layout and kept characters come from the value. They must give
	// at least a million possible tokens. The zero Format means opaque
	// tokens of RandomTokenLen characters.
	Format Template
}

// A Vault makes random tokens and keeps the mapping to their values in a
// vault.Store. A token has no mathematical relation to its value; the store
// holds HMAC(token) → AES-256-GCM(value) under a key derived from the token,
// with keys derived from the root keyset for (PurposeVault, domain). See the
// package documentation for the modes, expiry and what a stolen table reveals.
//
// Tokenize returns a token only after its record is durably stored. A write
// that fails for a reason other than the record is tried once more with the
// identical record, which stores accept without duplicating it, so a
// connection lost after a commit does not orphan a mapping. When the store
// still fails, Tokenize returns an error wrapping ErrStore; the stores write
// each record or batch atomically, so nothing was stored, unless the last
// failure itself came after a commit the store could not acknowledge: such a
// record is unreachable without its token, and DeleteValue (with
// IndexValues), expiry or DeleteExpired removes it.
//
// A Vault is immutable and safe for concurrent use.
type Vault struct {
	domain   string
	store    vault.Store
	cfg      VaultConfig
	l        *layout // nil for opaque tokens
	versions []*vaultKey
	guard    *access.Guard
	now      func() time.Time
	ad       []byte
}

// vaultKey holds the keys derived from one root key.
type vaultKey struct {
	id                                     uint32
	tokenHash, recordKey, valueHash, sealK *keys.PRF
}

// NewVault returns the vault of domain over store, which should hold this
// domain only (see [Vault.DeleteExpired]). root must be a
// keys.DerivationHKDFSHA256 keyset: new records use its primary key, and
// tokens made under any other enabled key are still found and revealed.
// Options: [WithGuard], [WithClock].
func NewVault(root *keys.Keyset, domain string, store vault.Store, cfg VaultConfig, opts ...Option) (*Vault, error) {
	if err := checkRoot(root, domain); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalidConfig)
	}
	if cfg.TTL < 0 {
		return nil, fmt.Errorf("%w: negative TTL", ErrInvalidConfig)
	}
	o := buildOptions(opts)
	v := &Vault{domain: domain, store: store, cfg: cfg, guard: o.guard, now: o.now}
	if cfg.Convergent {
		v.cfg.IndexValues = true
	}
	if cfg.Format.Alphabet != "" {
		l, err := compileTemplate(cfg.Format)
		if err != nil {
			return nil, err
		}
		l.minEnc = 1
		if cfg.Format.FailLuhn {
			l.minEnc = 2
		}
		if err := l.checkMax(l.minEnc); err != nil {
			return nil, err
		}
		v.l = l
	}
	v.ad = binary.BigEndian.AppendUint32([]byte("custos/tokenize/vault/v1\x00"), uint32(len(domain)))
	v.ad = append(v.ad, domain...)
	primary := root.PrimaryID()
	ids := []uint32{primary}
	for _, ki := range root.Keys() {
		if ki.Status == keys.StatusEnabled && ki.ID != primary {
			ids = append(ids, ki.ID)
		}
	}
	for _, id := range ids {
		prf, err := versionPRF(root, id, PurposeVault, domain)
		if err != nil {
			return nil, err
		}
		v.versions = append(v.versions, &vaultKey{
			id:        id,
			tokenHash: prf.Derive([]byte("token-hash")),
			recordKey: prf.Derive([]byte("record-key")),
			valueHash: prf.Derive([]byte("value-hash")),
			sealK:     prf.Derive([]byte("token-seal")),
		})
	}
	return v, nil
}

// Domain returns the vault's domain.
func (v *Vault) Domain() string { return v.domain }

// String returns a summary without key material.
func (v *Vault) String() string {
	mode := "random"
	if v.cfg.Convergent {
		mode = "convergent"
	}
	return "tokenize.Vault{domain=" + v.domain + " key=" + strconv.FormatUint(uint64(v.versions[0].id), 10) + " " + mode + "}"
}

// A TokenOption sets something about the tokens of one Tokenize or
// TokenizeBatch call.
type TokenOption func(*tokenOptions)

type tokenOptions struct {
	ttl     time.Duration
	expires time.Time
	meta    map[string]string
}

// WithTTL makes the tokens expire d after they are created.
func WithTTL(d time.Duration) TokenOption { return func(o *tokenOptions) { o.ttl = d } }

// WithExpiry makes the tokens expire at t. It takes precedence over WithTTL.
func WithExpiry(t time.Time) TokenOption { return func(o *tokenOptions) { o.expires = t } }

// WithMetadata attaches metadata to the tokens, kept in clear in the store
// (never put a value, or anything derived from one, there). The limits of
// vault.Record.Metadata apply.
func WithMetadata(m map[string]string) TokenOption {
	return func(o *tokenOptions) { o.meta = m }
}

func (v *Vault) expiry(now time.Time, opts []TokenOption) (time.Time, map[string]string, error) {
	o := tokenOptions{ttl: v.cfg.TTL}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	var exp time.Time
	switch {
	case !o.expires.IsZero():
		exp = o.expires
	case o.ttl > 0:
		exp = now.Add(o.ttl)
	case o.ttl < 0:
		return exp, nil, fmt.Errorf("%w: %s: negative TTL", ErrInvalidValue, v.domain)
	}
	if !exp.IsZero() && !exp.After(now) {
		return exp, nil, fmt.Errorf("%w: %s: expiry not after the creation time", ErrInvalidValue, v.domain)
	}
	return exp, o.meta, nil
}

// retry runs a store write, and runs it once more with the same record(s)
// when it failed for a reason other than the record itself: the failure may
// have been ambiguous (a connection lost after the commit), and stores accept
// an identical record again, so the second try either writes the mapping or
// finds it written, and never duplicates it.
func retry(ctx context.Context, write func() error) error {
	err := write()
	if err == nil || errors.Is(err, vault.ErrExists) || errors.Is(err, vault.ErrInvalidRecord) ||
		errors.Is(err, vault.ErrInvalidArgument) || ctx.Err() != nil {
		return err
	}
	return write()
}

func storeErr(domain string, err error) error {
	if errors.Is(err, vault.ErrInvalidRecord) {
		return fmt.Errorf("%w: %s: %w", ErrInvalidValue, domain, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrStore, domain, err)
}

// newToken draws a token for value.
func (v *Vault) newToken(value string) (string, error) {
	if v.l == nil {
		return randomToken(), nil
	}
	return v.formatToken(value)
}

// randomToken returns an opaque token: RandomTokenSize bytes from
// crypto/rand in lowercase unpadded base32.
func randomToken() string {
	var b [RandomTokenSize]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	var t [RandomTokenLen]byte
	lowerBase32.Encode(t[:], b[:])
	return string(t[:])
}

// formatToken returns a random token in the layout of value.
func (v *Vault) formatToken(value string) (string, error) {
	var stack [64]byte
	core, n, _, err := v.l.scan(stack[:0], value, "value")
	if err != nil {
		return "", err
	}
	a, b := v.l.bounds(core, n)
	k := utf8.RuneCount(core[a:b])
	bits := k
	if v.l.t.FailLuhn {
		bits--
	}
	if !v.l.entropyOK(bits) {
		return "", fmt.Errorf("%w: %s: %d random characters give fewer than a million tokens", ErrInvalidValue, v.l.t.Name, k)
	}
	mid := make([]byte, 0, b-a)
	if v.l.t.FailMod97 {
		// Random account number; check digits that fail (see ibanSetToken).
		mid = randomChars(mid, v.l.alpha, k)
		copy(core[a:], mid)
		ibanSetToken(core, a, b)
		return v.l.fill(value, core), nil
	}
	for {
		mid = randomChars(mid[:0], v.l.alpha, k)
		if !v.l.t.FailLuhn {
			break
		}
		full := append(append(append([]byte(nil), core[:a]...), mid...), core[b:]...)
		if !luhnValid(full) {
			break
		}
	}
	return rebuild(v.l, value, core, n, mid), nil
}

// randomChars appends k characters drawn uniformly from alpha.
func randomChars(dst []byte, alpha []rune, k int) []byte {
	radix := uint32(len(alpha))
	limit := uint32((1 << 32) / uint64(radix) * uint64(radix)) // rejection bound; 0 when radix divides 2^32
	var buf [4 * 32]byte
	used := len(buf)
	for i := 0; i < k; {
		if used == len(buf) {
			_, _ = rand.Read(buf[:])
			used = 0
		}
		x := binary.LittleEndian.Uint32(buf[used:])
		used += 4
		if limit != 0 && x >= limit {
			continue
		}
		dst = utf8.AppendRune(dst, alpha[x%radix])
		i++
	}
	return dst
}

// checkToken reports whether token has the form of this vault's tokens.
func (v *Vault) checkToken(token string) error {
	if v.l == nil {
		var b [RandomTokenSize]byte
		if len(token) != RandomTokenLen {
			return fmt.Errorf("%w: %s: token of %d bytes, want %d", ErrInvalidToken, v.domain, len(token), RandomTokenLen)
		}
		if _, err := lowerBase32.Decode(b[:], []byte(token)); err != nil {
			return fmt.Errorf("%w: %s: token is not lowercase base32", ErrInvalidToken, v.domain)
		}
		var t [RandomTokenLen]byte
		lowerBase32.Encode(t[:], b[:])
		if string(t[:]) != token {
			return fmt.Errorf("%w: %s: token is not canonical base32", ErrInvalidToken, v.domain)
		}
		return nil
	}
	var stack [64]byte
	core, _, _, err := v.l.scan(stack[:0], token, "token")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	// Tokens never pass the check they are made to fail: a value that does
	// is not a token.
	if v.l.t.FailLuhn && luhnValid(core) || v.l.t.FailMod97 && ibanValid(core) {
		return fmt.Errorf("%w: %s: passes the check its tokens fail", ErrInvalidToken, v.domain)
	}
	return nil
}

// Record ciphertext layout:
//
//	version (1) | flags (1) | key ID (4) | len(section 1) (4)
//	section 1: nonce (12) | AES-256-GCM(value) under PRF_record(token)
//	section 2 (flag 1): nonce (12) | AES-256-GCM(token) under PRF_seal(value)
//
// Both with associated data "custos/tokenize/vault/v1" || 0 || len(domain)
// || domain || TokenHash.
const (
	ctVersion     = 1
	ctFlagSealed  = 1
	ctHeaderSize  = 10
	gcmNonceSize  = 12
	gcmTagSize    = 16
	minSectionLen = gcmNonceSize + gcmTagSize
)

func newGCM(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic("tokenize: AES-256 with a 32-byte key: " + err.Error()) // impossible: PRF output is 32 bytes
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic("tokenize: GCM: " + err.Error())
	}
	return g
}

func (v *Vault) aad(th []byte) []byte {
	return append(append(make([]byte, 0, len(v.ad)+len(th)), v.ad...), th...)
}

func sealSection(dst []byte, key []byte, pt string, ad []byte) []byte {
	g := newGCM(key)
	n := len(dst)
	dst = grow(dst, gcmNonceSize)
	_, _ = rand.Read(dst[n:])
	return g.Seal(dst, dst[n:n+gcmNonceSize], []byte(pt), ad)
}

func openSection(key, sec, ad []byte) ([]byte, bool) {
	if len(sec) < minSectionLen {
		return nil, false
	}
	pt, err := newGCM(key).Open(nil, sec[:gcmNonceSize], sec[gcmNonceSize:], ad)
	return pt, err == nil
}

// record builds the record of (token, value) under the primary key.
func (v *Vault) record(token, value string, now, exp time.Time, meta map[string]string) vault.Record {
	k := v.versions[0]
	th := k.tokenHash.SumString(nil, token)
	ad := v.aad(th)
	ct := make([]byte, ctHeaderSize, ctHeaderSize+2*minSectionLen+len(value)+len(token))
	ct[0] = ctVersion
	binary.BigEndian.PutUint32(ct[2:6], k.id)
	ct = sealSection(ct, k.recordKey.SumString(nil, token), value, ad)
	binary.BigEndian.PutUint32(ct[6:10], uint32(len(ct)-ctHeaderSize))
	rec := vault.Record{TokenHash: th, CreatedAt: now, ExpiresAt: exp, Metadata: meta}
	if v.cfg.IndexValues {
		rec.ValueHash = k.valueHash.SumString(nil, value)
	}
	if v.cfg.Convergent {
		ct[1] = ctFlagSealed
		ct = sealSection(ct, k.sealK.SumString(nil, value), token, ad)
		rec.Convergent = true
	}
	rec.Ciphertext = ct
	return rec
}

// parseCiphertext splits a record's ciphertext.
func (v *Vault) parseCiphertext(rec vault.Record) (k *vaultKey, sec1, sec2 []byte, err error) {
	ct := rec.Ciphertext
	bad := fmt.Errorf("%w: %s: malformed record of %d bytes", ErrInvalidToken, v.domain, len(ct))
	if len(ct) < ctHeaderSize || ct[0] != ctVersion || ct[1]&^ctFlagSealed != 0 {
		return nil, nil, nil, bad
	}
	id := binary.BigEndian.Uint32(ct[2:6])
	n := binary.BigEndian.Uint32(ct[6:10])
	if uint64(n) > uint64(len(ct)-ctHeaderSize) {
		return nil, nil, nil, bad
	}
	sec1, sec2 = ct[ctHeaderSize:ctHeaderSize+int(n)], ct[ctHeaderSize+int(n):]
	if ct[1]&ctFlagSealed == 0 && len(sec2) != 0 {
		return nil, nil, nil, bad
	}
	for _, kv := range v.versions {
		if kv.id == id {
			return kv, sec1, sec2, nil
		}
	}
	return nil, nil, nil, fmt.Errorf("%w: %s: record under root key %d", ErrKeyUnavailable, v.domain, id)
}

// openValue decrypts the value of rec with its token.
func (v *Vault) openValue(rec vault.Record, token string) (string, uint32, error) {
	k, sec1, _, err := v.parseCiphertext(rec)
	if err != nil {
		return "", 0, err
	}
	pt, ok := openSection(k.recordKey.SumString(nil, token), sec1, v.aad(rec.TokenHash))
	if !ok {
		return "", k.id, fmt.Errorf("%w: %s: record under key %d does not decrypt with its token", ErrInvalidToken, v.domain, k.id)
	}
	return string(pt), k.id, nil
}

// openToken recovers the token sealed in the convergent record rec of value.
func (v *Vault) openToken(rec vault.Record, value string) (string, error) {
	k, _, sec2, err := v.parseCiphertext(rec)
	if err != nil {
		return "", err
	}
	pt, ok := openSection(k.sealK.SumString(nil, value), sec2, v.aad(rec.TokenHash))
	if !ok || !hmac.Equal(k.tokenHash.Sum(nil, pt), rec.TokenHash) {
		return "", fmt.Errorf("%w: %s: convergent record under key %d does not hold its token", ErrInvalidToken, v.domain, k.id)
	}
	return string(pt), nil
}

// Tokenize returns a token for value, after storing its record. In default
// mode every call gives a new token; in convergent mode a value's live token
// is returned (with its stored expiry and metadata: opts then apply only
// when a new token is made).
func (v *Vault) Tokenize(ctx context.Context, value string, opts ...TokenOption) (string, error) {
	now := v.now()
	exp, meta, err := v.expiry(now, opts)
	if err != nil {
		return "", err
	}
	if v.cfg.Convergent {
		return v.tokenizeConvergent(ctx, value, now, exp, meta)
	}
	for range maxAttempts {
		token, err := v.newToken(value)
		if err != nil {
			return "", err
		}
		rec := v.record(token, value, now, exp, meta)
		if err := rec.Validate(); err != nil {
			return "", storeErr(v.domain, err)
		}
		err = retry(ctx, func() error { return v.store.Put(ctx, rec) })
		if err == nil {
			return token, nil
		}
		if !errors.Is(err, vault.ErrExists) {
			return "", storeErr(v.domain, err)
		}
	}
	return "", fmt.Errorf("%w: %s: no unused token after %d draws: %w", ErrStore, v.domain, maxAttempts, vault.ErrExists)
}

func (v *Vault) tokenizeConvergent(ctx context.Context, value string, now, exp time.Time, meta map[string]string) (string, error) {
	// A value tokenized under an older root key keeps its token.
	for _, k := range v.versions[1:] {
		rec, err := v.store.GetByValue(ctx, k.valueHash.SumString(nil, value))
		if errors.Is(err, vault.ErrNotFound) || err == nil && rec.Expired(now) {
			continue
		}
		if err != nil {
			return "", storeErr(v.domain, err)
		}
		return v.openToken(rec, value)
	}
	for range maxAttempts {
		token, err := v.newToken(value)
		if err != nil {
			return "", err
		}
		rec := v.record(token, value, now, exp, meta)
		if err := rec.Validate(); err != nil {
			return "", storeErr(v.domain, err)
		}
		var stored vault.Record
		var created bool
		err = retry(ctx, func() (err error) {
			stored, created, err = v.store.PutConvergent(ctx, rec)
			return err
		})
		if err == nil {
			if created {
				return token, nil
			}
			return v.openToken(stored, value)
		}
		if !errors.Is(err, vault.ErrExists) {
			return "", storeErr(v.domain, err)
		}
	}
	return "", fmt.Errorf("%w: %s: no unused token after %d draws: %w", ErrStore, v.domain, maxAttempts, vault.ErrExists)
}

// TokenizeBatch returns tokens for values, in order. In default mode all
// records are stored in one store batch (vault.Store.PutBatch): all tokens
// are stored, or none is and the call fails. In convergent mode each value
// gets the token Tokenize would give it, in two store calls for the whole
// batch: one lookup of the values' live tokens (vault.Store.GetByValueBatch)
// and one insert of the records of the others (vault.Store.PutConvergentBatch,
// which returns the record of a value another call tokenized in between, so
// that concurrent batches still agree on one token per value); the new
// tokens are all stored, or none is and the call fails. A value repeated in
// the batch gets one token. At most vault.MaxBatchSize values.
func (v *Vault) TokenizeBatch(ctx context.Context, values []string, opts ...TokenOption) ([]string, error) {
	if len(values) > vault.MaxBatchSize {
		return nil, fmt.Errorf("%w: %s: batch of %d values, at most %d", ErrInvalidValue, v.domain, len(values), vault.MaxBatchSize)
	}
	now := v.now()
	exp, meta, err := v.expiry(now, opts)
	if err != nil {
		return nil, err
	}
	if v.cfg.Convergent {
		return v.tokenizeBatchConvergent(ctx, values, now, exp, meta)
	}
	tokens := make([]string, len(values))
	if len(values) == 0 {
		return tokens, nil
	}
	recs := make([]vault.Record, len(values))
	for i, value := range values {
		if tokens[i], err = v.newToken(value); err != nil {
			return nil, fmt.Errorf("%w (value %d of the batch)", err, i)
		}
		recs[i] = v.record(tokens[i], value, now, exp, meta)
		if err := recs[i].Validate(); err != nil {
			return nil, fmt.Errorf("%w (value %d of the batch)", storeErr(v.domain, err), i)
		}
	}
	for range maxAttempts {
		err := retry(ctx, func() error { return v.store.PutBatch(ctx, recs) })
		if err == nil {
			return tokens, nil
		}
		var be *vault.BatchError
		if !errors.As(err, &be) || !errors.Is(err, vault.ErrExists) || be.Index < 0 || be.Index >= len(values) {
			return nil, storeErr(v.domain, err)
		}
		// A drawn token is taken (or repeated within the batch): draw it again.
		i := be.Index
		if tokens[i], err = v.newToken(values[i]); err != nil {
			return nil, err
		}
		recs[i] = v.record(tokens[i], values[i], now, exp, meta)
	}
	return nil, fmt.Errorf("%w: %s: no unused tokens after %d draws: %w", ErrStore, v.domain, maxAttempts, vault.ErrExists)
}

// tokenizeBatchConvergent is TokenizeBatch in convergent mode.
func (v *Vault) tokenizeBatchConvergent(ctx context.Context, values []string, now, exp time.Time, meta map[string]string) ([]string, error) {
	tokens := make([]string, len(values))
	if len(values) == 0 {
		return tokens, nil
	}
	// Distinct values, by first position.
	firstOf := make(map[string]int, len(values))
	var uniq []int // positions in values
	for i, value := range values {
		if _, ok := firstOf[value]; !ok {
			firstOf[value] = i
			uniq = append(uniq, i)
		}
	}
	// Lookup: the value hashes under older keys first, then the primary
	// key, as Tokenize looks them up.
	order := append(append(make([]*vaultKey, 0, len(v.versions)), v.versions[1:]...), v.versions[0])
	hashes := make([][]byte, 0, len(order)*len(uniq))
	for _, k := range order {
		for _, i := range uniq {
			hashes = append(hashes, k.valueHash.SumString(nil, values[i]))
		}
	}
	recs := make([]vault.Record, 0, len(hashes))
	for lo := 0; lo < len(hashes); lo += vault.MaxBatchSize {
		got, err := v.store.GetByValueBatch(ctx, hashes[lo:min(lo+vault.MaxBatchSize, len(hashes))])
		if err != nil {
			return nil, storeErr(v.domain, err)
		}
		if len(got) != min(vault.MaxBatchSize, len(hashes)-lo) {
			return nil, fmt.Errorf("%w: %s: store returned %d records for %d hashes", ErrStore, v.domain, len(got), min(vault.MaxBatchSize, len(hashes)-lo))
		}
		recs = append(recs, got...)
	}
	var misses []int // positions in values
	for u, i := range uniq {
		hit := false
		for j := range order {
			rec := recs[j*len(uniq)+u]
			if rec.TokenHash == nil || rec.Expired(now) {
				continue
			}
			t, err := v.openToken(rec, values[i])
			if err != nil {
				return nil, fmt.Errorf("%w (value %d of the batch)", err, i)
			}
			tokens[i], hit = t, true
			break
		}
		if !hit {
			misses = append(misses, i)
		}
	}
	// Insert the records of the others, in one store batch.
	if len(misses) > 0 {
		news := make([]vault.Record, len(misses))
		drawn := make([]string, len(misses))
		draw := func(j int) error {
			i := misses[j]
			t, err := v.newToken(values[i])
			if err != nil {
				return fmt.Errorf("%w (value %d of the batch)", err, i)
			}
			drawn[j] = t
			news[j] = v.record(t, values[i], now, exp, meta)
			if err := news[j].Validate(); err != nil {
				return fmt.Errorf("%w (value %d of the batch)", storeErr(v.domain, err), i)
			}
			return nil
		}
		for j := range misses {
			if err := draw(j); err != nil {
				return nil, err
			}
		}
		var stored []vault.Record
		var created []bool
		for attempt := 0; ; attempt++ {
			if attempt == maxAttempts {
				return nil, fmt.Errorf("%w: %s: no unused tokens after %d draws: %w", ErrStore, v.domain, maxAttempts, vault.ErrExists)
			}
			err := retry(ctx, func() (err error) {
				stored, created, err = v.store.PutConvergentBatch(ctx, news)
				return err
			})
			if err == nil {
				break
			}
			var be *vault.BatchError
			if !errors.As(err, &be) || !errors.Is(err, vault.ErrExists) || be.Index < 0 || be.Index >= len(news) {
				return nil, storeErr(v.domain, err)
			}
			// A drawn token is taken: draw it again.
			if err := draw(be.Index); err != nil {
				return nil, err
			}
		}
		if len(stored) != len(news) || len(created) != len(news) {
			return nil, fmt.Errorf("%w: %s: store returned %d records for %d", ErrStore, v.domain, len(stored), len(news))
		}
		for j, i := range misses {
			if created[j] {
				tokens[i] = drawn[j]
				continue
			}
			t, err := v.openToken(stored[j], values[i])
			if err != nil {
				return nil, fmt.Errorf("%w (value %d of the batch)", err, i)
			}
			tokens[i] = t
		}
	}
	for i, value := range values {
		if f := firstOf[value]; f != i {
			tokens[i] = tokens[f]
		}
	}
	return tokens, nil
}

// lookup returns the record of token and the key whose hash found it.
func (v *Vault) lookup(ctx context.Context, token string) (vault.Record, error) {
	if err := v.checkToken(token); err != nil {
		return vault.Record{}, err
	}
	for _, k := range v.versions {
		rec, err := v.store.Get(ctx, k.tokenHash.SumString(nil, token))
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, vault.ErrNotFound) {
			return vault.Record{}, storeErr(v.domain, err)
		}
	}
	return vault.Record{}, fmt.Errorf("%w: %s", ErrNotFound, v.domain)
}

// Detokenize returns the value of token. It is a reveal: see the package
// documentation. An unknown token fails with ErrNotFound, an expired one with
// ErrExpired (even before DeleteExpired removes it).
func (v *Vault) Detokenize(ctx context.Context, token string) (string, error) {
	req := access.Request{Action: access.ActionDetokenize, Resource: v.domain}
	if err := v.guard.Authorize(ctx, req); err != nil {
		v.guard.Record(ctx, req, err)
		return "", err
	}
	value, keyID, err := v.detokenize(ctx, token)
	req.KeyID = keyID
	v.guard.Record(ctx, req, err)
	return value, err
}

func (v *Vault) detokenize(ctx context.Context, token string) (string, uint32, error) {
	rec, err := v.lookup(ctx, token)
	if err != nil {
		return "", 0, err
	}
	if rec.Expired(v.now()) {
		return "", 0, fmt.Errorf("%w: %s: expired at %s", ErrExpired, v.domain, rec.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return v.openValue(rec, token)
}

// DetokenizeBatch returns the values of tokens, in order, reading the store
// in batches (vault.Store.GetBatch). It is one reveal, with one audit event (key ID 0: a batch may span keys).
// If any token is unknown, expired or invalid, it returns no value and an
// error naming the first such token's index. At most vault.MaxBatchSize
// tokens.
func (v *Vault) DetokenizeBatch(ctx context.Context, tokens []string) ([]string, error) {
	req := access.Request{Action: access.ActionDetokenize, Resource: v.domain}
	if err := v.guard.Authorize(ctx, req); err != nil {
		v.guard.Record(ctx, req, err)
		return nil, err
	}
	values, err := v.detokenizeBatch(ctx, tokens)
	v.guard.Record(ctx, req, err)
	return values, err
}

func (v *Vault) detokenizeBatch(ctx context.Context, tokens []string) ([]string, error) {
	if len(tokens) > vault.MaxBatchSize {
		return nil, fmt.Errorf("%w: %s: batch of %d tokens, at most %d", ErrInvalidValue, v.domain, len(tokens), vault.MaxBatchSize)
	}
	for i, t := range tokens {
		if err := v.checkToken(t); err != nil {
			return nil, fmt.Errorf("%w (token %d of the batch)", err, i)
		}
	}
	recs := make([]vault.Record, len(tokens))
	missing := make([]int, len(tokens))
	for i := range missing {
		missing[i] = i
	}
	for _, k := range v.versions {
		if len(missing) == 0 {
			break
		}
		hashes := make([][]byte, len(missing))
		for j, i := range missing {
			hashes[j] = k.tokenHash.SumString(nil, tokens[i])
		}
		got, err := v.store.GetBatch(ctx, hashes)
		if err != nil {
			return nil, storeErr(v.domain, err)
		}
		if len(got) != len(hashes) {
			return nil, fmt.Errorf("%w: %s: store returned %d records for %d hashes", ErrStore, v.domain, len(got), len(hashes))
		}
		still := missing[:0]
		for j, i := range missing {
			if got[j].TokenHash == nil {
				still = append(still, i)
				continue
			}
			recs[i] = got[j]
		}
		missing = still
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s (token %d of the batch)", ErrNotFound, v.domain, missing[0])
	}
	now := v.now()
	values := make([]string, len(tokens))
	for i, rec := range recs {
		if rec.Expired(now) {
			return nil, fmt.Errorf("%w: %s (token %d of the batch)", ErrExpired, v.domain, i)
		}
		value, _, err := v.openValue(rec, tokens[i])
		if err != nil {
			return nil, fmt.Errorf("%w (token %d of the batch)", err, i)
		}
		values[i] = value
	}
	return values, nil
}

// TokenInfo describes a vault token without its value.
type TokenInfo struct {
	// KeyID is the ID of the root key the record was made under.
	KeyID uint32
	// CreatedAt is when the token was made, by the vault's clock.
	CreatedAt time.Time
	// ExpiresAt is when the token expires; zero means never.
	ExpiresAt time.Time
	// Metadata is the token's metadata.
	Metadata map[string]string
}

// Info returns what the vault knows about token besides its value. It is not
// a reveal. An expired token fails with ErrExpired.
func (v *Vault) Info(ctx context.Context, token string) (TokenInfo, error) {
	rec, err := v.lookup(ctx, token)
	if err != nil {
		return TokenInfo{}, err
	}
	if rec.Expired(v.now()) {
		return TokenInfo{}, fmt.Errorf("%w: %s", ErrExpired, v.domain)
	}
	k, _, _, err := v.parseCiphertext(rec)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{KeyID: k.id, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt, Metadata: rec.Metadata}, nil
}

// TokenOf returns the live token of value in a convergent vault, without
// making one; ErrNotFound if it has none, ErrNotConvergent in default mode.
func (v *Vault) TokenOf(ctx context.Context, value string) (string, error) {
	if !v.cfg.Convergent {
		return "", fmt.Errorf("%w: %s: TokenOf needs convergent mode", ErrNotConvergent, v.domain)
	}
	now := v.now()
	for _, k := range v.versions {
		rec, err := v.store.GetByValue(ctx, k.valueHash.SumString(nil, value))
		if errors.Is(err, vault.ErrNotFound) || err == nil && rec.Expired(now) {
			continue
		}
		if err != nil {
			return "", storeErr(v.domain, err)
		}
		return v.openToken(rec, value)
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, v.domain)
}

// Delete removes token's record. Deleting an unknown token is not an error.
func (v *Vault) Delete(ctx context.Context, token string) error {
	if err := v.checkToken(token); err != nil {
		return err
	}
	for _, k := range v.versions {
		if err := v.store.Delete(ctx, k.tokenHash.SumString(nil, token)); err != nil {
			return storeErr(v.domain, err)
		}
	}
	return nil
}

// DeleteValue removes every token of value (for erasure) and returns how many
// it removed. It needs IndexValues or Convergent; otherwise it fails with
// ErrNotConvergent.
func (v *Vault) DeleteValue(ctx context.Context, value string) (int, error) {
	if !v.cfg.IndexValues {
		return 0, fmt.Errorf("%w: %s: DeleteValue needs IndexValues or convergent mode", ErrNotConvergent, v.domain)
	}
	total := 0
	for _, k := range v.versions {
		n, err := v.store.DeleteByValue(ctx, k.valueHash.SumString(nil, value))
		total += n
		if err != nil {
			return total, storeErr(v.domain, err)
		}
	}
	return total, nil
}

// DeleteExpired removes the records of tokens expired by the vault's clock,
// in chunks, and returns how many it removed. Run it periodically, or
// through a [TokenCleanup]; expired tokens are refused whether or not it has
// run.
//
// DeleteExpired acts on the whole store, not only on this vault's domain:
// records carry no domain (a store sees only keyed hashes), so the expired
// records of every vault that shares the store are removed too. Removing an
// expired record is never early, but a domain whose tokens must outlive
// their expiry (a grace period, a legal hold in a TokenCleanup) needs a
// store of its own: one store per domain, see "One store per domain" in the
// package documentation.
func (v *Vault) DeleteExpired(ctx context.Context) (int, error) {
	now := v.now()
	total := 0
	for {
		n, err := v.store.DeleteExpired(ctx, now, purgeChunk)
		total += n
		if err != nil {
			return total, storeErr(v.domain, err)
		}
		if n < purgeChunk {
			return total, nil
		}
	}
}
