package review

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guichet/guichet/platform/flow"
)

// liveEvent says that a call's jury progress changed: a review, a déport (or a declaration of no
// conflict) or a consensus was committed. It is a hint to re-read, not a record: the records are
// the service's tables and audit log.
type liveEvent struct {
	Kind        string    `json:"kind"`
	Application string    `json:"application"`
	At          time.Time `json:"at"`
}

// livePublishTimeout bounds what a slow or absent Redis adds to a committed call.
const livePublishTimeout = 500 * time.Millisecond

// PublishLive makes the service announce its committed reviews, déports and consensus on
// flow.JuryChannel through rdb (nil: no announcements). It returns s.
func (s *Service) PublishLive(rdb *redis.Client) *Service {
	s.live = rdb
	return s
}

// publishLive announces a committed change, best effort: the change is committed already, so a
// failure is logged and never fails the call.
func (s *Service) publishLive(ctx context.Context, callID, kind, application string) {
	if s.live == nil {
		return
	}
	data, err := json.Marshal(liveEvent{Kind: kind, Application: application, At: s.now()})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), livePublishTimeout)
	defer cancel()
	if err := s.live.Publish(ctx, flow.JuryChannel(callID), data).Err(); err != nil {
		s.logger.WarnContext(ctx, "review: live jury event not published", "call", callID, "kind", kind, "error", err)
	}
}
