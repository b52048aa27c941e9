package ie

import "iter"

// Element is one information element inside a buffer of elements.
type Element struct {
	ID ID
	// Ext is the element ID extension when ID is IDExtension, else 0.
	Ext ExtID
	// Data is the element body; for ID 255 it starts after the
	// extension ID octet. It aliases the walked buffer.
	Data []byte
	// Raw is the whole element: ID, length and body.
	Raw []byte
	// Offset is the offset of the ID octet in the walked buffer.
	Offset int
}

// DataOffset is the offset of Data in the walked buffer.
func (e Element) DataOffset() int {
	if e.ID == IDExtension {
		return e.Offset + 3
	}
	return e.Offset + 2
}

// Is reports whether e is the element id (for id < 255) or the
// extension element ext (for id 255).
func (e Element) Is(id ID, ext ExtID) bool {
	return e.ID == id && (id != IDExtension || e.Ext == ext)
}

// Walk iterates over the elements in b in order. A truncated element (or
// an element 255 without its extension ID) ends the walk with one final
// (Element{}, *Error) pair naming the element and its offset.
func Walk(b []byte) iter.Seq2[Element, error] {
	return func(yield func(Element, error) bool) {
		off := 0
		for off < len(b) {
			id := ID(b[off])
			if off+2 > len(b) {
				yield(Element{}, errf(id, off, "truncated header: 1 byte left, need 2"))
				return
			}
			n := int(b[off+1])
			if off+2+n > len(b) {
				yield(Element{}, errf(id, off, "length %d exceeds the %d bytes left", n, len(b)-off-2))
				return
			}
			el := Element{ID: id, Data: b[off+2 : off+2+n : off+2+n], Raw: b[off : off+2+n : off+2+n], Offset: off}
			if id == IDExtension {
				if n < 1 {
					yield(Element{}, errf(id, off, "no element ID extension"))
					return
				}
				el.Ext = ExtID(b[off+2])
				el.Data = el.Data[1:]
			}
			if !yield(el, nil) {
				return
			}
			off += 2 + n
		}
	}
}

// Elements is a parsed list of elements in their order in the frame.
type Elements []Element

// Parse splits b into elements. On a truncated element it returns the
// elements before it together with the error.
func Parse(b []byte) (Elements, error) {
	var es Elements
	for el, err := range Walk(b) {
		if err != nil {
			return es, err
		}
		es = append(es, el)
	}
	return es, nil
}

// Find returns the first element with the given ID (duplicates after it
// are ignored, as the standard leaves their handling to the receiver and
// iwd takes the first). For extension elements use FindExt.
func (es Elements) Find(id ID) (Element, bool) {
	for _, e := range es {
		if e.ID == id {
			return e, true
		}
	}
	return Element{}, false
}

// FindExt returns the first element 255 with the given extension ID.
func (es Elements) FindExt(ext ExtID) (Element, bool) {
	for _, e := range es {
		if e.ID == IDExtension && e.Ext == ext {
			return e, true
		}
	}
	return Element{}, false
}

// FindVendor returns the first vendor specific element with the given OUI
// and vendor type octet.
func (es Elements) FindVendor(oui OUI, typ uint8) (Element, bool) {
	for _, e := range es {
		if e.ID != IDVendorSpecific || len(e.Data) < 4 {
			continue
		}
		if OUI(e.Data[:3]) == oui && e.Data[3] == typ {
			return e, true
		}
	}
	return Element{}, false
}

// FindAll returns every element with the given ID, in order.
func (es Elements) FindAll(id ID) []Element {
	var out []Element
	for _, e := range es {
		if e.ID == id {
			out = append(out, e)
		}
	}
	return out
}
