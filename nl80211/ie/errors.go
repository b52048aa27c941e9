package ie

import (
	"errors"
	"fmt"
)

// Error is a malformed or truncated element. Every parser in this package
// returns an *Error (wrapped or not) for bytes it cannot accept.
type Error struct {
	// ID is the element; Ext its extension ID when ID is 255.
	ID  ID
	Ext ExtID
	// Offset is the byte offset of the problem: into the buffer given to
	// Walk/Parse/Summarize when the element was found there, otherwise
	// into the element body given to the typed parser.
	Offset int
	// Reason says what was wrong.
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ie: %s at offset %d: %s", e.element(), e.Offset, e.Reason)
}

func (e *Error) element() string {
	if e.ID == IDExtension && e.Ext != 0 {
		return e.Ext.String()
	}
	return e.ID.String()
}

// ErrMalformed is matched by errors.Is for every *Error.
var ErrMalformed = errors.New("ie: malformed element")

// Is reports target == ErrMalformed.
func (e *Error) Is(target error) bool { return target == ErrMalformed }

func errf(id ID, off int, format string, args ...any) *Error {
	return &Error{ID: id, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

func extErrf(ext ExtID, off int, format string, args ...any) *Error {
	return &Error{ID: IDExtension, Ext: ext, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// rebase shifts an *Error's offset by base (the offset of the element body
// inside a larger buffer); other errors pass through.
func rebase(err error, base int) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Offset += base
		return &c
	}
	return err
}
