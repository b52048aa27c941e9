package eapol

// LoadVectors exposes the vector file reader to the external tests.
var LoadVectors = loadVectors

// Record is a vector file record.
type Record = record
