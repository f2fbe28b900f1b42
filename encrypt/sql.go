package encrypt

import (
	"bytes"
	"database/sql/driver"
	"fmt"
)

// Ciphertext is a database column holding a ciphertext (bytea, BLOB,
// VARBINARY). It implements driver.Valuer and sql.Scanner, so it works with
// any database/sql driver and ORM; a nil Ciphertext is NULL. Scan accepts
// bytes, or text in the compact form of [EncodeText].
type Ciphertext []byte

// Value implements driver.Valuer.
func (c Ciphertext) Value() (driver.Value, error) {
	if c == nil {
		return nil, nil
	}
	return []byte(c), nil
}

// Scan implements sql.Scanner. It copies the driver's buffer.
func (c *Ciphertext) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = nil
	case []byte:
		if len(v) < PrefixSize {
			return fmt.Errorf("%w: column value of %d bytes", ErrInvalidCiphertext, len(v))
		}
		*c = bytes.Clone(v)
	case string:
		b, err := DecodeText(v)
		if err != nil {
			return err
		}
		*c = b
	default:
		return fmt.Errorf("%w: cannot scan %T into Ciphertext", ErrInvalidCiphertext, src)
	}
	return nil
}

// Index is a blind-index column (bytea, BLOB). It implements driver.Valuer
// and sql.Scanner; compare values with [Equal].
type Index []byte

// Value implements driver.Valuer.
func (x Index) Value() (driver.Value, error) {
	if x == nil {
		return nil, nil
	}
	return []byte(x), nil
}

// Scan implements sql.Scanner. It copies the driver's buffer.
func (x *Index) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*x = nil
	case []byte:
		*x = bytes.Clone(v)
	default:
		return fmt.Errorf("%w: cannot scan %T into Index", ErrInvalidInput, src)
	}
	return nil
}
