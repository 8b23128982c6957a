package slurmproto

// ReservationInfoResponse is RESPONSE_RESERVATION_INFO (scontrol show res,
// sinfo -T): u32 count, last_update, then the records
// (_unpack_reserve_info_msg).
type ReservationInfoResponse struct {
	LastUpdate   Time
	Reservations []ReservationInfo
}

// ReservationInfo is one reservation record (_unpack_reserve_info_members).
type ReservationInfo struct {
	Accounts      Str
	BurstBuffer   Str
	CoreCnt       uint32
	EndTime       Time
	Features      Str
	Flags         uint64
	Licenses      Str
	MaxStartDelay uint32
	Name          Str
	NodeCnt       uint32
	NodeList      Str
	Partition     Str
	PurgeCompTime uint32
	ResvWatts     uint32
	StartTime     Time
	TRESStr       Str
	Users         Str
	Groups        Str
	NodeInx       Bitmap
	CoreSpec      []ResvCoreSpec `wire:"count32"`
}

// ResvCoreSpec names the cores reserved on one node.
type ResvCoreSpec struct {
	NodeName Str
	CoreID   Str
}

func (m *ReservationInfoResponse) encodeWire(w *writer) {
	w.count(len(m.Reservations))
	w.time(m.LastUpdate)
	encodeRecords(w, "Reservations", reflectValue(m.Reservations))
}

func (m *ReservationInfoResponse) decodeWire(r *reader) {
	n := r.count(0)
	m.LastUpdate = r.time()
	decodeRecords(r, "Reservations", n, &m.Reservations)
}

func (*ReservationInfoResponse) minWireSize() int { return 12 }
