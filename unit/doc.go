// Package unit holds published test vectors (IEEE 802.11 Annex J, RFCs,
// and handshakes captured between real implementations) as data files
// that the packages' tests share, and the loader for them.
//
// Every file cites its source in its header. A file is records separated
// by blank lines, each a block of "name = value" lines; a value in double
// quotes is a string, any other value hex (spaces ignored); '#' starts a
// comment line. Load reads any file as records; the typed functions
// (PSKVectors, PRFVectors, CMACVectors, ...) return one file each as typed
// values and fail the test when a record lacks a field.
//
// The files are embedded, so a test reads them whatever its working
// directory. It is imported only by _test.go files.
package unit
