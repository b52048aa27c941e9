package station

// bssFilters are the packet filters the serving BSS asks for, as iwd sets
// them for any BSS (Hotspot 2.0 specification 6.5): an AP that answers ARP
// and Neighbor Solicitations for its stations (Proxy ARP, Extended
// Capabilities bit 12) makes gratuitous ARP and unsolicited Neighbor
// Advertisements from others lies to drop; an AP that disables
// downstream group-addressed forwarding (the HS 2.0 Indication's DGAF
// Disabled bit) sends no unicast IP in group-addressed frames, so such a
// packet is someone's attack with the shared GTK.
type bssFilters struct {
	dropNeighbourAds         bool
	dropUnicastInL2Multicast bool
}

// filtersFor is what BSS b asks for.
func filtersFor(b *BSS) bssFilters {
	if b == nil || b.Summary == nil {
		return bssFilters{}
	}
	sum := b.Summary
	return bssFilters{
		dropNeighbourAds:         sum.ExtendedCapabilities != nil && sum.ExtendedCapabilities.ProxyARP(),
		dropUnicastInL2Multicast: sum.HS20 != nil && sum.HS20.DGAFDisabled,
	}
}

// applyFilters sets f on the interface if it changes what is set (a roam
// to a BSS that asks for other filters, or none once disconnected).
func (s *Station) applyFilters(f bssFilters) {
	if s.cfg.Filters == nil || f == s.filters {
		return
	}
	s.filters = f
	s.log.Info("packet filters", "drop_neighbour_ads", f.dropNeighbourAds,
		"drop_unicast_in_l2_multicast", f.dropUnicastInL2Multicast)
	s.cfg.Filters.SetFilters(s.cfg.Ifname, f.dropNeighbourAds, f.dropUnicastInL2Multicast)
}
