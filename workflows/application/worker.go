package application

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the workflow and its activities to w.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(Workflow, workflowOptions())
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

func workflowOptions() workflow.RegisterOptions { return workflow.RegisterOptions{Name: WorkflowType} }
