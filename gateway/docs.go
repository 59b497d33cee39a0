package gateway

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
)

// The API reference is rendered once, on the server, from the OpenAPI document: no script, no
// asset from elsewhere, so it works offline and under a strict Content-Security-Policy.

//go:embed docs.html.tmpl
var docsTemplate string

//go:embed docs.css
var docsCSS []byte

// docsCSP lets the page load only its own stylesheet.
const docsCSP = "default-src 'self'"

// The subset of Swagger 2.0 that protoc-gen-openapiv2 writes and the page shows.
type swaggerDoc struct {
	Info struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Version     string `json:"version"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
	Definitions map[string]swaggerSchema              `json:"definitions"`
}

type swaggerOperation struct {
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	OperationID string   `json:"operationId"`
	Tags        []string `json:"tags"`
	Parameters  []struct {
		Name        string         `json:"name"`
		In          string         `json:"in"`
		Description string         `json:"description"`
		Required    bool           `json:"required"`
		Type        string         `json:"type"`
		Format      string         `json:"format"`
		Items       *swaggerSchema `json:"items"`
		Schema      *swaggerSchema `json:"schema"`
	} `json:"parameters"`
	Responses map[string]struct {
		Description string         `json:"description"`
		Schema      *swaggerSchema `json:"schema"`
	} `json:"responses"`
}

type swaggerSchema struct {
	Ref         string           `json:"$ref"`
	Type        string           `json:"type"`
	Format      string           `json:"format"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Items       *swaggerSchema   `json:"items"`
	Enum        []string         `json:"enum"`
	Properties  orderedSchemaMap `json:"properties"`
	Example     json.RawMessage  `json:"example"`
}

// orderedSchemaMap keeps the properties in the order of the document, which is the order of the
// proto fields: the reading order a developer expects.
type orderedSchemaMap []namedSchema

type namedSchema struct {
	Name   string
	Schema swaggerSchema
}

func (m *orderedSchemaMap) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("properties: want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var s swaggerSchema
		if err := dec.Decode(&s); err != nil {
			return err
		}
		*m = append(*m, namedSchema{Name: name, Schema: s})
	}
	_, err = dec.Token()
	return err
}

// The page's model.
type docsPage struct {
	Title, Description, Version string
	Groups                      []docsGroup
	Schemas                     []docsSchema
}

type docsGroup struct {
	ID, Name, Description string
	Operations            []docsOperation
}

type docsOperation struct {
	ID, Method, Path, Summary, Description string
	Parameters                             []docsParameter
	Body                                   *docsType
	BodyDescription                        string
	// BodyFields lists the fields of a body schema written inline (a body that is part of a
	// message, the rest coming from the path).
	BodyFields []docsProperty
	Responses  []docsResponse
}

type docsParameter struct {
	Name, In, Description string
	Required              bool
	Type                  docsType
}

type docsResponse struct {
	Code, Description string
	Type              *docsType
}

type docsSchema struct {
	ID, Name, Description string
	Properties            []docsProperty
	// Example is the schema's example, indented JSON ("" when it has none).
	Example string
}

type docsProperty struct {
	Name, Description string
	Type              docsType
}

// docsType is a type as shown: its text, and the anchor of its schema when it is a message.
type docsType struct {
	Text, Ref string
}

// createdOperations are the operation ids (Service_Method) of the creations.
var createdOperations = func() map[string]bool {
	ids := map[string]bool{}
	for full := range creations {
		service, method, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
		ids[service[strings.LastIndex(service, ".")+1:]+"_"+method] = true
	}
	return ids
}()

var methodOrder = []string{"get", "post", "put", "patch", "delete"}

func schemaAnchor(name string) string { return "schema-" + name }

func typeOf(s *swaggerSchema) docsType {
	switch {
	case s == nil:
		return docsType{}
	case s.Ref != "":
		name := strings.TrimPrefix(s.Ref, "#/definitions/")
		return docsType{Text: name, Ref: schemaAnchor(name)}
	case s.Type == "array":
		inner := typeOf(s.Items)
		return docsType{Text: "array of " + inner.Text, Ref: inner.Ref}
	case s.Format != "":
		return docsType{Text: s.Type + " (" + s.Format + ")"}
	default:
		return docsType{Text: s.Type}
	}
}

func buildDocsPage(doc []byte) (docsPage, error) {
	var sw swaggerDoc
	if err := json.Unmarshal(doc, &sw); err != nil {
		return docsPage{}, fmt.Errorf("openapi document: %w", err)
	}
	page := docsPage{Title: sw.Info.Title, Description: sw.Info.Description, Version: sw.Info.Version}
	groups := map[string]*docsGroup{}
	var order []string
	group := func(name string) *docsGroup {
		if g, ok := groups[name]; ok {
			return g
		}
		g := &docsGroup{ID: "group-" + name, Name: name}
		groups[name] = g
		order = append(order, name)
		return g
	}
	for _, t := range sw.Tags {
		group(t.Name).Description = t.Description
	}
	paths := make([]string, 0, len(sw.Paths))
	for p := range sw.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for _, method := range methodOrder {
			raw, ok := sw.Paths[path][method]
			if !ok {
				continue
			}
			var op swaggerOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				return docsPage{}, fmt.Errorf("openapi %s %s: %w", method, path, err)
			}
			out := docsOperation{
				ID: "op-" + op.OperationID, Method: strings.ToUpper(method), Path: path,
				Summary: op.Summary, Description: op.Description,
			}
			for _, p := range op.Parameters {
				if p.In == "body" {
					t := typeOf(p.Schema)
					out.Body = &t
					out.BodyDescription = p.Description
					if p.Schema != nil && p.Schema.Ref == "" {
						out.BodyFields = properties(p.Schema.Properties)
					}
					continue
				}
				t := typeOf(&swaggerSchema{Type: p.Type, Format: p.Format, Items: p.Items})
				out.Parameters = append(out.Parameters, docsParameter{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required, Type: t})
			}
			codes := make([]string, 0, len(op.Responses))
			for c := range op.Responses {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			created := createdOperations[op.OperationID]
			for _, c := range codes {
				r := op.Responses[c]
				resp := docsResponse{Code: c, Description: r.Description}
				if created && c == "200" {
					// The gateway answers creations with 201 (see createdStatus); the generated
					// document does not know it.
					resp = docsResponse{Code: "201", Description: "Created. Location names the new resource."}
				}
				if r.Schema != nil {
					t := typeOf(r.Schema)
					resp.Type = &t
				}
				out.Responses = append(out.Responses, resp)
			}
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := group(tag)
			g.Operations = append(g.Operations, out)
		}
	}
	for _, name := range order {
		if g := groups[name]; len(g.Operations) > 0 {
			page.Groups = append(page.Groups, *g)
		}
	}
	names := make([]string, 0, len(sw.Definitions))
	for n := range sw.Definitions {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		d := sw.Definitions[n]
		page.Schemas = append(page.Schemas, docsSchema{
			ID: schemaAnchor(n), Name: n, Description: strings.TrimSpace(d.Title + " " + d.Description),
			Properties: properties(d.Properties),
			Example:    indentExample(d.Example),
		})
	}
	return page, nil
}

// indentExample pretty-prints a schema's example for the page.
func indentExample(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

func properties(props orderedSchemaMap) []docsProperty {
	var out []docsProperty
	for _, p := range props {
		desc := strings.TrimSpace(p.Schema.Title + " " + p.Schema.Description)
		if len(p.Schema.Enum) > 0 {
			desc = strings.TrimSpace(desc + " One of: " + strings.Join(p.Schema.Enum, ", ") + ".")
		}
		out = append(out, docsProperty{Name: p.Name, Description: desc, Type: typeOf(&p.Schema)})
	}
	return out
}

// fieldsTable gives the "fields" template its caption and rows.
func fieldsTable(captionKey, caption, fieldsKey string, fields []docsProperty) map[string]any {
	return map[string]any{captionKey: caption, fieldsKey: fields}
}

// renderDocs renders the API reference page of an OpenAPI document.
func renderDocs(doc []byte) ([]byte, error) {
	page, err := buildDocsPage(doc)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("docs").Funcs(template.FuncMap{"lower": strings.ToLower, "dict": fieldsTable}).Parse(docsTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, page); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
