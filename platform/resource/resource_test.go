package resource

import "testing"

func TestParseApplication(t *testing.T) {
	tests := []struct {
		name      string
		call, app string
		wantErr   bool
	}{
		{"calls/c1/applications/a1", "c1", "a1", false},
		{"calls/c1/applications/", "", "", true},
		{"calls/c1/reviews/a1", "", "", true},
		{"calls/c1", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		call, app, err := ParseApplication(tt.name)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseApplication(%q) error = %v, wantErr %v", tt.name, err, tt.wantErr)
			continue
		}
		if call != tt.call || app != tt.app {
			t.Errorf("ParseApplication(%q) = %q, %q; want %q, %q", tt.name, call, app, tt.call, tt.app)
		}
	}
	if got := ApplicationName("c1", "a1"); got != "calls/c1/applications/a1" {
		t.Errorf("ApplicationName = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("calls/c1/applications/a1")
	f.Add("calls//applications/")
	f.Fuzz(func(t *testing.T, name string) {
		call, app, err := ParseApplication(name)
		if err == nil && ApplicationName(call, app) != name {
			t.Fatalf("round trip of %q gave %q", name, ApplicationName(call, app))
		}
	})
}
