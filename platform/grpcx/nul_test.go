package grpcx

import (
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestNULIsRefusedNamingTheField(t *testing.T) {
	msg, err := structpb.NewStruct(map[string]any{"title": "ok", "nested": map[string]any{"items": []any{"fine", "bad\x00"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := nulViolations(msg.ProtoReflect(), "")
	if len(got) != 1 || got[0].Field != "fields[nested].structValue.fields[items].listValue.values[1].stringValue" {
		t.Fatalf("violations = %+v", got)
	}
	clean, _ := structpb.NewStruct(map[string]any{"title": "Données publiques <b>'; DROP"})
	if v := nulViolations(clean.ProtoReflect(), ""); len(v) != 0 {
		t.Fatalf("clean message refused: %+v", v)
	}
}
