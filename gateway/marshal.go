package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	applicationsv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// trackedBody is the request body as the mux sees it: the decoder records its error here so that
// the error handler can tell a malformed body from a service's InvalidArgument.
type trackedBody struct {
	io.ReadCloser
	decodeErr error
}

// trackBody installs a trackedBody on every request reaching the mux.
func trackBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := r.Body
		if body == nil {
			body = http.NoBody
		}
		r.Body = &trackedBody{ReadCloser: body}
		next.ServeHTTP(w, r)
	})
}

// jsonMarshaler is protojson as API.md wants it (lowerCamelCase, every field emitted, unknown fields
// refused), recording decoding errors on the trackedBody they came from.
type jsonMarshaler struct {
	*runtime.JSONPb
}

func newJSONMarshaler() jsonMarshaler {
	return jsonMarshaler{&runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true, UseProtoNames: false},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

func (m jsonMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	d := m.JSONPb.NewDecoder(r)
	tb, ok := r.(*trackedBody)
	if !ok {
		return d
	}
	return runtime.DecoderFunc(func(v any) error {
		err := d.Decode(v)
		if err == nil {
			err = checkNUL(v)
		}
		// An empty body is io.EOF, which the generated code accepts as an empty message.
		if err != nil && !errors.Is(err, io.EOF) {
			tb.decodeErr = err
		}
		return err
	})
}

// creations are the methods answered with 201 Created and the Location of the new resource.
var creations = map[string]bool{
	applicationsv1.CallService_CreateCall_FullMethodName:               true,
	applicationsv1.ApplicationService_CreateApplication_FullMethodName: true,
	reviewv1.ReviewService_CreateReview_FullMethodName:                 true,
	reviewv1.ReviewService_SignDeclaration_FullMethodName:              true,
	paymentsv1.PaymentService_CreatePaymentBatch_FullMethodName:        true,
	applicationsv1.ApplicationService_CreateReport_FullMethodName:      true,
	reviewv1.ReviewService_CreateConflict_FullMethodName:               true,
	reviewv1.ReviewService_RecordConsensus_FullMethodName:              true,
}

// createdStatus is a forward-response option: it runs after the mux has set the content type and
// before it writes the body, the last moment the status can still be chosen.
func createdStatus(ctx context.Context, w http.ResponseWriter, msg proto.Message) error {
	method, ok := runtime.RPCMethod(ctx)
	if !ok || !creations[method] {
		return nil
	}
	if name := resourceName(msg); name != "" {
		w.Header().Set("Location", "/v1/"+name)
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

// resourceName reads the AIP resource name of msg (its string field "name"), "" when it has none.
func resourceName(msg proto.Message) string {
	if msg == nil {
		return ""
	}
	m := msg.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("name")
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return m.Get(fd).String()
}
