package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"github.com/tink-crypto/tink-go/v2/tink"
	"golang.org/x/crypto/argon2"
)

// A KEK (key-encryption key) encrypts keysets at rest. Build one with
// [AEADKEK] (any tink.AEAD, e.g. from a Tink KMS client for AWS KMS, GCP KMS
// or Vault Transit), [LoadMasterKeyFile] or [Passphrase].
//
// What kind of KEK wrote a keyset file is recorded in the file, so that
// reading with another kind fails with [ErrWrongKEK] instead of a vague
// decryption error.
type KEK interface {
	// seal returns the header to store and the AEAD that encrypts under it.
	seal() (kekHeader, tink.AEAD, error)
	// open returns the AEAD that decrypts a file with header h.
	open(h kekHeader) (tink.AEAD, error)
}

type kekHeader struct {
	Type     string        `json:"type"`
	Name     string        `json:"name,omitempty"`
	Argon2id *Argon2Params `json:"argon2id,omitempty"`
	Salt     []byte        `json:"salt,omitempty"`
}

const (
	kekTypeAEAD       = "aead"
	kekTypeMasterKey  = "master-key"
	kekTypePassphrase = "passphrase"
	kekTypeNone       = "none-insecure-cleartext"
)

func checkType(h kekHeader, want string) error {
	if h.Type != want {
		return errorf(ErrWrongKEK, "file was written under %q, got %q", h.Type, want)
	}
	return nil
}

// AEADKEK returns a KEK that encrypts with a, which is typically a remote
// key: for a Tink KMS client c, a, err := c.GetAEAD(keyURI). name is a
// non-secret label stored in the file (e.g. the key URI); when both the file
// and the KEK have a name, they must match.
func AEADKEK(name string, a tink.AEAD) KEK { return &aeadKEK{name: name, a: a} }

type aeadKEK struct {
	name string
	a    tink.AEAD
}

func (k *aeadKEK) seal() (kekHeader, tink.AEAD, error) {
	if k.a == nil {
		return kekHeader{}, nil, errorf(ErrInvalidParams, "AEAD KEK is nil")
	}
	return kekHeader{Type: kekTypeAEAD, Name: k.name}, k.a, nil
}

func (k *aeadKEK) open(h kekHeader) (tink.AEAD, error) {
	if err := checkType(h, kekTypeAEAD); err != nil {
		return nil, err
	}
	if k.a == nil {
		return nil, errorf(ErrInvalidParams, "AEAD KEK is nil")
	}
	if h.Name != "" && k.name != "" && h.Name != k.name {
		return nil, errorf(ErrWrongKEK, "file was written under KEK %q, got %q", h.Name, k.name)
	}
	return k.a, nil
}

func (k *aeadKEK) String() string { return "keys.AEADKEK{" + k.name + "}" }

// MasterKeySize is the size of a master key in bytes.
const MasterKeySize = 32

// MasterKey is a local 256-bit key-encryption key, kept in a file (see
// [LoadMasterKeyFile]). It encrypts with AES-256-GCM and a random nonce and
// also implements tink.AEAD, so it can wrap subject keys too.
//
// A MasterKey is immutable and safe for concurrent use. It never prints its
// key: fmt, slog and json show its ID, the first 4 bytes of a SHA-256 of the
// key, in hex.
type MasterKey struct {
	id   string
	raw  []byte
	aead cipher.AEAD
}

const masterKeyHeader = "# custos master key v1: keep secret (file mode 0600)\n"

// GenerateMasterKey returns a new random master key.
func GenerateMasterKey() (*MasterKey, error) {
	k := make([]byte, MasterKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("keys: generating master key: %w", err)
	}
	return newMasterKey(k)
}

func newMasterKey(k []byte) (*MasterKey, error) {
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("keys: master key: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("keys: master key: %w", err)
	}
	sum := sha256.Sum256(append([]byte("custos master key id\x00"), k...))
	return &MasterKey{id: hex.EncodeToString(sum[:4]), raw: bytes.Clone(k), aead: g}, nil
}

// ParseMasterKey parses the contents of a master key file: the header line
// written by [MasterKey.WriteFile] and the base64 key on the next line.
func ParseMasterKey(data []byte) (*MasterKey, error) {
	rest, ok := bytes.CutPrefix(data, []byte(masterKeyHeader))
	if !ok {
		return nil, errorf(ErrInvalidFile, "master key file: missing header line")
	}
	rest = bytes.TrimSuffix(rest, []byte("\n"))
	if len(rest) != base64.StdEncoding.EncodedLen(MasterKeySize) {
		return nil, errorf(ErrInvalidFile, "master key file: key line has %d characters, want %d", len(rest), base64.StdEncoding.EncodedLen(MasterKeySize))
	}
	k := make([]byte, MasterKeySize)
	n, err := base64.StdEncoding.Strict().Decode(k, rest)
	if err != nil || n != MasterKeySize {
		return nil, errorf(ErrInvalidFile, "master key file: key line is not base64 of %d bytes", MasterKeySize)
	}
	return newMasterKey(k)
}

// LoadMasterKeyFile reads a master key file. On Unix it refuses a file that
// group or others may read or write.
func LoadMasterKeyFile(path string) (*MasterKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keys: master key file: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, errorf(ErrInvalidFile, "master key file %s has mode %v; want 0600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: master key file: %w", err)
	}
	return ParseMasterKey(data)
}

// WriteFile writes the key to a new file at path with mode 0600. It refuses
// to overwrite an existing file.
func (m *MasterKey) WriteFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keys: master key file: %w", err)
	}
	line := base64.StdEncoding.EncodeToString(m.raw)
	_, werr := f.WriteString(masterKeyHeader + line + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return fmt.Errorf("keys: master key file: %w", werr)
	}
	return nil
}

// ID returns the key's non-secret identifier.
func (m *MasterKey) ID() string { return m.id }

// Encrypt implements tink.AEAD: nonce (12 bytes) || AES-256-GCM ciphertext.
func (m *MasterKey) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	ns := m.aead.NonceSize()
	out := make([]byte, ns, ns+len(plaintext)+m.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("keys: master key: %w", err)
	}
	return m.aead.Seal(out, out, plaintext, associatedData), nil
}

// Decrypt implements tink.AEAD.
func (m *MasterKey) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	ns := m.aead.NonceSize()
	if len(ciphertext) < ns+m.aead.Overhead() {
		return nil, errorf(ErrDecrypt, "ciphertext of %d bytes is too short", len(ciphertext))
	}
	pt, err := m.aead.Open(nil, ciphertext[:ns], ciphertext[ns:], associatedData)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func (m *MasterKey) seal() (kekHeader, tink.AEAD, error) {
	return kekHeader{Type: kekTypeMasterKey, Name: m.id}, m, nil
}

func (m *MasterKey) open(h kekHeader) (tink.AEAD, error) {
	if err := checkType(h, kekTypeMasterKey); err != nil {
		return nil, err
	}
	if h.Name != m.id {
		return nil, errorf(ErrWrongKEK, "file was written under master key %s, got %s", h.Name, m.id)
	}
	return m, nil
}

func (m *MasterKey) summary() string { return "keys.MasterKey{id=" + m.id + "}" }

// String returns a redacted form with the key ID.
func (m *MasterKey) String() string { return m.summary() }

// GoString is like String.
func (m *MasterKey) GoString() string { return m.summary() }

// Format prints the redacted form for every verb.
func (m *MasterKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(m.summary())) }

// LogValue logs the redacted form.
func (m *MasterKey) LogValue() slog.Value { return slog.StringValue(m.summary()) }

// MarshalJSON encodes the redacted form as a JSON string.
func (m *MasterKey) MarshalJSON() ([]byte, error) { return json.Marshal(m.summary()) }

// Argon2Params are the Argon2id parameters that stretch a passphrase. They
// are stored in the keyset file beside a random 16-byte salt.
type Argon2Params struct {
	Time      uint32 `json:"time"`       // passes; 1..64
	MemoryKiB uint32 `json:"memory_kib"` // 8 MiB .. 4 GiB
	Threads   uint8  `json:"threads"`    // 1..64
}

// DefaultArgon2Params are RFC 9106's second recommended option: t=3,
// m=64 MiB, p=4. The zero Argon2Params means these.
var DefaultArgon2Params = Argon2Params{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

func (p Argon2Params) validate() error {
	if p.Time < 1 || p.Time > 64 || p.MemoryKiB < 8<<10 || p.MemoryKiB > 4<<20 || p.Threads < 1 || p.Threads > 64 {
		return errorf(ErrInvalidParams, "argon2id time=%d memory=%dKiB threads=%d outside time 1..64, memory 8MiB..4GiB, threads 1..64", p.Time, p.MemoryKiB, p.Threads)
	}
	return nil
}

const (
	saltSize    = 16
	maxSaltSize = 64
)

// Passphrase returns a KEK that stretches passphrase with Argon2id under
// params (zero value: [DefaultArgon2Params]). Each write draws a fresh salt;
// salt and parameters are stored in the file and checked on read.
func Passphrase(passphrase []byte, params Argon2Params) (KEK, error) {
	if params == (Argon2Params{}) {
		params = DefaultArgon2Params
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, errorf(ErrInvalidParams, "passphrase is empty")
	}
	return &passphraseKEK{pass: bytes.Clone(passphrase), params: params}, nil
}

type passphraseKEK struct {
	pass   []byte
	params Argon2Params
}

func (k *passphraseKEK) derive(salt []byte, p Argon2Params) (tink.AEAD, error) {
	key := argon2.IDKey(k.pass, salt, p.Time, p.MemoryKiB, p.Threads, MasterKeySize)
	return newMasterKey(key)
}

func (k *passphraseKEK) seal() (kekHeader, tink.AEAD, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return kekHeader{}, nil, fmt.Errorf("keys: passphrase salt: %w", err)
	}
	a, err := k.derive(salt, k.params)
	if err != nil {
		return kekHeader{}, nil, err
	}
	p := k.params
	return kekHeader{Type: kekTypePassphrase, Argon2id: &p, Salt: salt}, a, nil
}

func (k *passphraseKEK) open(h kekHeader) (tink.AEAD, error) {
	if err := checkType(h, kekTypePassphrase); err != nil {
		return nil, err
	}
	if h.Argon2id == nil {
		return nil, errorf(ErrInvalidFile, "passphrase file has no argon2id parameters")
	}
	if err := h.Argon2id.validate(); err != nil {
		return nil, err
	}
	if len(h.Salt) < saltSize || len(h.Salt) > maxSaltSize {
		return nil, errorf(ErrInvalidFile, "argon2id salt of %d bytes; want %d..%d", len(h.Salt), saltSize, maxSaltSize)
	}
	return k.derive(h.Salt, *h.Argon2id)
}

func (k *passphraseKEK) String() string { return "keys.Passphrase{REDACTED}" }

// GoString is like String.
func (k *passphraseKEK) GoString() string { return k.String() }

// Format prints the redacted form for every verb.
func (k *passphraseKEK) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue logs the redacted form.
func (k *passphraseKEK) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes the redacted form.
func (k *passphraseKEK) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }
