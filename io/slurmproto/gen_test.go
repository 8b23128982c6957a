package slurmproto

import (
	"reflect"

	"pgregory.net/rapid"
)

// genValue draws an arbitrary, encodable value of type t, following the
// same type-to-wire rules as codec.go. It respects what the wire can
// represent: empty arrays come back as nil, so they are generated as nil;
// counted lists tied to other fields are fixed up by fixupGenerated.
func genValue(t *rapid.T, typ reflect.Type, label string, tag string, depth int) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ {
	case typeStr:
		if rapid.Bool().Draw(t, label+".null") {
			return v
		}
		v.Set(reflect.ValueOf(S(rapid.StringN(0, 12, -1).Draw(t, label))))
		return v
	case typeTime:
		v.SetInt(rapid.Int64().Draw(t, label))
		return v
	case typeBitmap:
		if rapid.Bool().Draw(t, label+".null") {
			return v
		}
		n := rapid.Uint32Range(0, 70).Draw(t, label+".nbits")
		var set []uint32
		if n > 0 {
			set = rapid.SliceOfN(rapid.Uint32Range(0, n-1), 0, 5).Draw(t, label+".set")
		}
		b, err := NewBitmap(n, set...)
		if err != nil {
			panic(err)
		}
		v.Set(reflect.ValueOf(b))
		return v
	case typeAddr:
		var a Addr
		switch rapid.IntRange(0, 3).Draw(t, label+".family") {
		case 1:
			a = Addr{Family: AFInet, IPv4: [4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, label+".ip")), Port: rapid.Uint16().Draw(t, label+".port")}
		case 2:
			a = Addr{Family: AFInet6, IPv6: [16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label+".ip")), Port: rapid.Uint16().Draw(t, label+".port")}
		case 3:
			a = Addr{Family: rapid.Uint16Range(11, 40).Draw(t, label+".fam")}
		}
		v.Set(reflect.ValueOf(a))
		return v
	}
	switch typ.Kind() {
	case reflect.Uint8:
		v.SetUint(uint64(rapid.Uint8().Draw(t, label)))
	case reflect.Uint16:
		v.SetUint(uint64(rapid.Uint16().Draw(t, label)))
	case reflect.Uint32:
		v.SetUint(uint64(rapid.Uint32().Draw(t, label)))
	case reflect.Uint64:
		v.SetUint(rapid.Uint64().Draw(t, label))
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, label))
	case reflect.Float64:
		// Integers below 2^33 survive the x1e6 / 1e6 trip exactly; see
		// TestDoubleScaling for fractions.
		v.SetFloat(float64(rapid.Int64Range(-1<<33, 1<<33).Draw(t, label)))
	case reflect.String:
		v.SetString(rapid.StringN(0, 12, -1).Draw(t, label))
	case reflect.Struct:
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Tag.Get("wire") == "-" {
				continue
			}
			v.Field(i).Set(genValue(t, f.Type, label+"."+f.Name, f.Tag.Get("wire"), depth+1))
		}
	case reflect.Pointer:
		if depth > 6 || rapid.Bool().Draw(t, label+".nil") {
			return v
		}
		p := reflect.New(typ.Elem())
		p.Elem().Set(genValue(t, typ.Elem(), label, "", depth+1))
		v.Set(p)
	case reflect.Slice:
		max := 4
		if typ.Elem().Kind() == reflect.Struct && depth > 1 {
			max = 2
		}
		n := rapid.IntRange(0, max).Draw(t, label+".len")
		isCodec := reflect.PointerTo(typ).Implements(wireCodecType)
		emptyAllowed := tag == "" && (typ.Elem().Kind() == reflect.Struct && !isCodec || typ == reflect.TypeFor[U32List]())
		if n == 0 {
			if emptyAllowed && rapid.Bool().Draw(t, label+".empty") {
				v.Set(reflect.MakeSlice(typ, 0, 0))
			}
			return v
		}
		s := reflect.MakeSlice(typ, n, n)
		for i := 0; i < n; i++ {
			s.Index(i).Set(genValue(t, typ.Elem(), label+"[]", "", depth+1))
		}
		v.Set(s)
	default:
		panic("gen: unsupported " + typ.String())
	}
	fixupGenerated(v)
	return v
}

// fixupGenerated restores invariants that tie fields together.
func fixupGenerated(v reflect.Value) {
	if !v.CanAddr() {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		fixupGenerated(p.Elem())
		v.Set(p.Elem())
		return
	}
	nilIfEmpty := func(s any) {
		rv := reflect.ValueOf(s).Elem()
		if rv.Len() == 0 {
			rv.Set(reflect.Zero(rv.Type()))
		}
	}
	switch x := v.Addr().Interface().(type) {
	case *JobResourcesDetail:
		x.NHosts = uint32(len(x.CPUs))
		n := min(len(x.CPUArrayReps), len(x.CPUArrayValue))
		x.CPUArrayReps, x.CPUArrayValue = x.CPUArrayReps[:n], x.CPUArrayValue[:n]
		nilIfEmpty(&x.CPUArrayReps)
		nilIfEmpty(&x.CPUArrayValue)
	case *AllocationResponse:
		if x.NodeAddrs != nil {
			x.NodeCnt = uint32(len(x.NodeAddrs))
		}
		nilIfEmpty(&x.CPUGroups)
	case *StatsInfoResponse:
		nilIfEmpty(&x.RPCTypes)
		nilIfEmpty(&x.RPCUsers)
		nilIfEmpty(&x.RPCQueues)
		nilIfEmpty(&x.RPCDumps)
	case *JobCredentialFields:
		if len(x.GrNames) != len(x.GIDs) {
			x.GrNames = nil
		}
	case *LaunchTasksRequest:
		x.CredVersion = CredVersion(ProtocolVersion)
		for i, ids := range x.GlobalTaskIDs {
			if len(ids) > 0xffff {
				x.GlobalTaskIDs[i] = ids[:0xffff]
			}
		}
	case *BatchJobLaunchRequest:
		x.CredVersion = CredVersion(ProtocolVersion)
	case *ControlHosts:
		nilIfEmpty(x)
	case *JobInfoResponse:
		nilIfEmpty(&x.Jobs)
	case *NodeInfoResponse:
		nilIfEmpty(&x.Nodes)
	case *JobStepInfoResponse:
		nilIfEmpty(&x.Steps)
	case *ReservationInfoResponse:
		nilIfEmpty(&x.Reservations)
	case *LicenseInfoResponse:
		nilIfEmpty(&x.Licenses)
	case *PartitionInfoResponse:
		nilIfEmpty(&x.Partitions)
	}
}
