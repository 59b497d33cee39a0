package domain

import (
	"strings"
	"testing"
)

const scdlHeader = "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,rnaBeneficiaire,objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention,dispositifAide\n"

func TestCheckAwards(t *testing.T) {
	good := "DINUM,13002526500013,2027-01-15,calls/c/applications/a,DINUM,13002526500013,,Risque de défaillance,400000.00,aide en numéraire,échelonné,2027-03-31_2028-03-31,,non,0.4,calls/c\n"
	tests := []struct {
		name, data, wantErr string
	}{
		{"valid", scdlHeader + good, ""},
		{"header only", scdlHeader, ""},
		{"columns out of order", strings.Replace(scdlHeader, "nomAttribuant,idAttribuant", "idAttribuant,nomAttribuant", 1) + good, "columns"},
		{"bad SIRET", scdlHeader + strings.Replace(good, ",13002526500013,2027", ",1300252650001,2027", 1), "idAttribuant"},
		{"below the threshold", scdlHeader + strings.Replace(good, "400000.00", "23000.00", 1), "montant"},
		{"impossible date", scdlHeader + strings.Replace(good, "2027-01-15", "2027-02-30", 1), "dateConvention"},
		{"percentage above 1", scdlHeader + strings.Replace(good, ",0.4,", ",1.5,", 1), "pourcentageSubvention"},
		{"unknown nature", scdlHeader + strings.Replace(good, "aide en numéraire", "prêt", 1), "nature"},
		{"not UTF-8", scdlHeader + "\xff\n", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckAwards([]byte(tt.data))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}
