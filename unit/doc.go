// Package unit holds published test vectors (IEEE 802.11 Annex J, RFCs) as
// data files that the packages' tests share, and a tiny loader for them.
//
// It is imported only by _test.go files.
package unit
