package grpcx

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// nulViolations names every string field of m that holds a NUL character: PostgreSQL cannot store
// one, so the service refuses it with the field's name rather than fail at the database. The
// gateway refuses it too, earlier; this is the service's own rule, whoever calls it.
func nulViolations(m protoreflect.Message, prefix string) []Violation {
	var out []Violation
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := fd.JSONName()
		if prefix != "" {
			path = prefix + "." + path
		}
		switch {
		case fd.IsList():
			list := v.List()
			for i := range list.Len() {
				out = append(out, nulValue(fd, list.Get(i), fmt.Sprintf("%s[%d]", path, i))...)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, nulValue(fd.MapValue(), mv, fmt.Sprintf("%s[%v]", path, k.Interface()))...)
				return true
			})
		default:
			out = append(out, nulValue(fd, v, path)...)
		}
		return true
	})
	return out
}

func nulValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string) []Violation {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if strings.ContainsRune(v.String(), 0) {
			return []Violation{{Field: path, Description: "must not contain a NUL character"}}
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return nulViolations(v.Message(), path)
	}
	return nil
}
