package domain

// TrancheTakesReport says whether a tranche in this state (as the payments service names it) still
// takes its milestone report: before certification only. A report filed again before then
// replaces the previous one; once the programme officer has certified the milestone on it, the
// report is part of the record.
func TrancheTakesReport(state string) bool {
	return state == "PLANNED" || state == "REPORT_SUBMITTED"
}
