package application

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/guichet/guichet/platform/flow"
)

// Register adds the workflows and their activities to w.
func Register(w worker.Registry, a *Activities) {
	registerWorkflows(w)
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

// workflowRegistry is what registers workflows: a worker, a replayer, a test environment.
type workflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// registerWorkflows registers the ApplicationWorkflow and its child, the FundingWorkflow.
func registerWorkflows(r workflowRegistry) {
	r.RegisterWorkflowWithOptions(Workflow, workflowOptions())
	r.RegisterWorkflowWithOptions(FundingWorkflow, workflow.RegisterOptions{Name: flow.FundingWorkflowType})
}

func workflowOptions() workflow.RegisterOptions { return workflow.RegisterOptions{Name: WorkflowType} }
