package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/mdlayher/packet"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Link types of the three kinds of source, as pcap knows them.
const (
	linkTypeNetlink  = layers.LinkType(253) // LINKTYPE_NETLINK: a 16-octet Linux cooked header, then netlink
	linkTypeRadiotap = layers.LinkTypeIEEE80211Radio
	linkTypeEthernet = layers.LinkTypeEthernet
)

// sllLen is the Linux cooked (SLL) header that LINKTYPE_NETLINK frames
// carry, as libpcap writes them for an nlmon capture: packet type,
// ARPHRD_NETLINK, address length and address (unused), then the netlink
// protocol in sll_protocol.
const sllLen = 16

// record is one captured frame, as it goes into the pcapng file.
type record struct {
	t    time.Time
	src  int // index into sources (the pcapng interface id)
	data []byte
}

// source is one capture: the nlmon interface, the monitor interface, or a
// station's own interface.
type source struct {
	name     string // interface name
	linkType layers.LinkType
	desc     string // pcapng interface description
	conn     *packet.Conn

	// The kernel's counts for the socket, read as the capture stops.
	packets, dropped uint32

	byName bool           // bound to all interfaces: keep name's frames only
	names  map[int]string // ifindex -> name, for byName
}

// wanted reports whether a frame from ifindex belongs to this source.
func (s *source) wanted(from unix.Sockaddr) bool {
	if !s.byName {
		return true
	}
	ll, ok := from.(*unix.SockaddrLinklayer)
	if !ok {
		return false
	}
	name, ok := s.names[ll.Ifindex]
	if !ok {
		// Interface indexes are not reused until they wrap, so a name
		// learned once stays right.
		if ifi, err := net.InterfaceByIndex(ll.Ifindex); err == nil {
			name = ifi.Name
			s.names[ll.Ifindex] = name
		}
	}
	return name == s.name
}

// openSource opens a packet socket on ifname that receives every frame.
func openSource(ifname string, lt layers.LinkType) (*source, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", ifname, err)
	}
	if lt != linkTypeNetlink {
		if err := ensureUp(ifi); err != nil {
			return nil, fmt.Errorf("capture %s: %w", ifname, err)
		}
	}
	return listen(ifi, ifname, lt, nil)
}

// openStationSource captures a station's own interface by name. A daemon
// may delete and recreate its interface (iwd does, at start), which would
// leave a socket bound to the old one deaf; so the socket is bound to every
// interface, a BPF filter keeps Ethernet-type links only, and frames of
// other interfaces are dropped by name.
func openStationSource(ifname string) (*source, error) {
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtLinkLayerType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.ARPHRD_ETHER, SkipFalse: 1},
		bpf.RetConstant{Val: 0x40000},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		return nil, err
	}
	s, err := listen(&net.Interface{}, ifname, linkTypeEthernet, &packet.Config{Filter: prog})
	if err != nil {
		return nil, err
	}
	s.byName = true
	s.names = map[int]string{}
	return s, nil
}

func listen(ifi *net.Interface, ifname string, lt layers.LinkType, cfg *packet.Config) (*source, error) {
	c, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, cfg)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", ifname, err)
	}
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			// Room for bursts (a scan's results, a ping flood) beyond
			// net.core.rmem_max (FORCE needs CAP_NET_ADMIN, which creating
			// nlmon needs too); errors leave the default, which only risks
			// drops that the summary reports.
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20) != nil {
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 16<<20)
			}
		})
	}
	return &source{name: ifname, linkType: lt, conn: c}, nil
}

// run reads frames until ctx is done or the socket fails, and sends them
// to out. Netlink frames get the cooked header pcap expects, built from
// the sockaddr_ll the kernel returns (sll_protocol is the netlink
// protocol, sll_pkttype says kernel or user).
func (s *source) run(ctx context.Context, idx int, out chan<- record) error {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	closed := make(chan struct{})
	go func() {
		<-ctx.Done()
		if st, err := s.conn.Stats(); err == nil {
			s.packets, s.dropped = st.Packets, st.Drops
		}
		s.conn.Close()
		close(closed)
	}()
	defer func() {
		cancel()
		<-closed
	}()
	buf := make([]byte, 256<<10)
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC)
			return rerr != unix.EAGAIN && rerr != unix.EWOULDBLOCK
		})
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("capture %s: %w", s.name, err)
		}
		if !s.wanted(from) {
			continue
		}
		if n > len(buf) {
			n = len(buf) // MSG_TRUNC: a frame larger than the buffer; the decoder reports it truncated
		}
		var data []byte
		if s.linkType == linkTypeNetlink {
			data = make([]byte, sllLen+n)
			if ll, ok := from.(*unix.SockaddrLinklayer); ok {
				data[0], data[1] = 0, ll.Pkttype
				data[14], data[15] = byte(ll.Protocol), byte(ll.Protocol>>8) // sll_protocol is big-endian already
			}
			data[2], data[3] = byte(unix.ARPHRD_NETLINK>>8), byte(unix.ARPHRD_NETLINK&0xff)
			copy(data[sllLen:], buf[:n])
		} else {
			data = append([]byte(nil), buf[:n]...)
		}
		select {
		case out <- record{t: time.Now(), src: idx, data: data}:
		case <-ctx.Done():
			return nil
		}
	}
}
