package dbusapi

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/godbus/dbus/v5"
)

// Error is an error with one of iwd's D-Bus error names. A backend may return
// one of the Err* values below (or wrap one); it reaches the caller with the
// same name and message iwd's src/dbus.c sends.
type Error struct {
	Name    string // e.g. "net.connman.iwd.InProgress"
	Message string // e.g. "Operation already in progress"
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Is matches errors by name, so a wrapped copy still matches the sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Name == e.Name
}

func (e *Error) dbus() *dbus.Error { return dbus.NewError(e.Name, []any{e.Message}) }

// Service is iwd's bus name, which wifid owns.
const Service = "net.connman.iwd"

// iwd's errors, named and worded as src/dbus.c sends them (iwd 2.3).
var (
	ErrBusy               = &Error{Service + ".InProgress", "Operation already in progress"}
	ErrFailed             = &Error{Service + ".Failed", "Operation failed"}
	ErrAborted            = &Error{Service + ".Aborted", "Operation aborted"}
	ErrNotAvailable       = &Error{Service + ".NotAvailable", "Operation not available"}
	ErrInvalidArguments   = &Error{Service + ".InvalidArguments", "Argument type is wrong"}
	ErrInvalidFormat      = &Error{Service + ".InvalidFormat", "Argument format is invalid"}
	ErrAlreadyExists      = &Error{Service + ".AlreadyExists", "Object already exists"}
	ErrNotFound           = &Error{Service + ".NotFound", "Object not found"}
	ErrNotSupported       = &Error{Service + ".NotSupported", "Operation not supported"}
	ErrNoAgent            = &Error{Service + ".NoAgent", "No Agent registered"}
	ErrNotConnected       = &Error{Service + ".NotConnected", "Not connected"}
	ErrNotConfigured      = &Error{Service + ".NotConfigured", "Not configured"}
	ErrNotImplemented     = &Error{Service + ".NotImplemented", "Not implemented"}
	ErrServiceSetOverlap  = &Error{Service + ".ServiceSetOverlap", "Service set overlap"}
	ErrAlreadyProvisioned = &Error{Service + ".AlreadyProvisioned", "Already provisioned"}
	ErrNotHidden          = &Error{Service + ".NotHidden", "Not hidden"}
	ErrPermissionDenied   = &Error{Service + ".PermissionDenied", "Permission Denied"}
)

// Errors of the D-Bus object model itself, named as ell (iwd's D-Bus
// library) names them.
var (
	errUnknownObject    = &Error{"org.freedesktop.DBus.Error.UnknownObject", "No such object"}
	errUnknownInterface = &Error{"org.freedesktop.DBus.Error.UnknownInterface", "Object has no such interface"}
	errUnknownProperty  = &Error{"org.freedesktop.DBus.Error.UnknownProperty", "Unknown property"}
	errReadOnly         = &Error{"org.freedesktop.DBus.Error.PropertyReadOnly", "Property is read-only"}
	errNoValue          = &Error{"org.freedesktop.DBus.Error.Failed", "Getting property value failed"}
)

// errnoErrors is iwd's dbus_error_from_errno: a backend that reports a
// syscall.Errno (or wraps one) gets the error iwd would send for it.
var errnoErrors = map[syscall.Errno]*Error{
	syscall.EBUSY:     ErrBusy,
	syscall.ECANCELED: ErrAborted,
	syscall.ERFKILL:   ErrNotAvailable,
	syscall.EINVAL:    ErrInvalidArguments,
	syscall.EBADMSG:   ErrInvalidFormat,
	syscall.EEXIST:    ErrAlreadyExists,
	syscall.ENOENT:    ErrNotFound,
	syscall.ENOTSUP:   ErrNotSupported,
	syscall.ENOKEY:    ErrNotConfigured,
	syscall.ENOTCONN:  ErrNotConnected,
	syscall.ENOSYS:    ErrNotImplemented,
}

// ToIWDError maps a backend's error to the iwd error a client receives:
// an *Error (wrapped or not) keeps its name; a syscall.Errno maps as iwd's
// dbus_error_from_errno; a cancelled context is Aborted; anything else,
// including a timeout, is Failed. nil stays nil.
func ToIWDError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if e, ok := errnoErrors[errno]; ok {
			return e
		}
		return ErrFailed
	}
	if errors.Is(err, context.Canceled) {
		return ErrAborted
	}
	return ErrFailed
}

// toDBus converts any error for a method reply.
func toDBus(err error) *dbus.Error {
	if err == nil {
		return nil
	}
	return ToIWDError(err).dbus()
}

// ErrorName returns the D-Bus error name carried by err (a *dbus.Error from a
// call, or an *Error), or "" when err carries none. Clients use it to match
// iwd's errors by name.
func ErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dep *dbus.Error
	if errors.As(err, &dep) {
		return dep.Name
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return ""
}

func errorf(format string, a ...any) error { return fmt.Errorf("dbusapi: "+format, a...) }
