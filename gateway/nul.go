package gateway

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// nulError refuses a decoded body holding the NUL character in a string. JSON and protobuf accept
// "\u0000", but PostgreSQL text cannot store it: left to the services, the insert fails and the
// client gets a 500 instead of a 400 naming its field. No field of the API has a use for it.
type nulError struct {
	// message is the full name of the decoded message; path is the field's JSON path inside it.
	message protoreflect.FullName
	path    string
}

func (e *nulError) Error() string {
	return fmt.Sprintf("%s: must not contain the NUL character (\\u0000)", e.path)
}

// findNUL returns the JSON path of the first string field of m (nested messages, lists and maps
// included) holding a NUL character, "" when there is none.
func findNUL(m protoreflect.Message) string {
	var found string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := fd.JSONName()
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && found == ""; i++ {
				found = valueNUL(fd, l.Get(i), fmt.Sprintf("%s[%d]", name, i))
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if strings.ContainsRune(k.String(), 0) {
					found = name
				} else {
					found = valueNUL(fd.MapValue(), mv, name+"."+k.String())
				}
				return found == ""
			})
		default:
			found = valueNUL(fd, v, name)
		}
		return found == ""
	})
	return found
}

func valueNUL(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if strings.ContainsRune(v.String(), 0) {
			return path
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if sub := findNUL(v.Message()); sub != "" {
			return path + "." + sub
		}
	}
	return ""
}

// checkNUL is run on every decoded request body. The generated code decodes a body that is one
// field of the request ("body: application") into a pointer to that field: **Application.
func checkNUL(v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return nil
		}
		if m, ok = rv.Elem().Interface().(proto.Message); !ok || rv.Elem().IsNil() {
			return nil
		}
	}
	if path := findNUL(m.ProtoReflect()); path != "" {
		return &nulError{message: m.ProtoReflect().Descriptor().FullName(), path: path}
	}
	return nil
}

// nulViolation names the field as the services do, from the request message: the body of
// CreateApplication is its "application" field, so title becomes application.title.
func nulViolation(ctx context.Context, e *nulError) Problem {
	field := e.path
	if method, ok := runtime.RPCMethod(ctx); ok {
		if d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(method, "/"), "/", "."))); err == nil {
			if md, ok := d.(protoreflect.MethodDescriptor); ok && md.Input().FullName() != e.message {
				fields := md.Input().Fields()
				for i := 0; i < fields.Len(); i++ {
					if f := fields.Get(i); f.Message() != nil && f.Message().FullName() == e.message {
						field = f.JSONName() + "." + field
						break
					}
				}
			}
		}
	}
	return Problem{
		Type:       problemBase + "invalid-argument",
		Title:      "Invalid argument",
		Status:     400,
		Detail:     "the request body holds the NUL character, which no field accepts",
		Violations: []Violation{{Field: field, Description: "must not contain the NUL character (\\u0000)"}},
	}
}
