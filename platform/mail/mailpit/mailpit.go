// Package mailpit reads the messages that a mailpit server (the SMTP server of development and
// tests, started by devstack) received, through its HTTP API, so that tests assert what was sent.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Client reads one mailpit server's mailbox.
type Client struct {
	// URL of the web UI and API, e.g. http://127.0.0.1:8025.
	URL  string
	HTTP *http.Client
}

// Address is a sender or recipient.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message in a list.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
	Snippet   string    `json:"Snippet"`
	// Username is the login the sender gave (SMTP AUTH), if any.
	Username string `json:"Username"`
}

// Message is a whole message, its text and HTML bodies decoded.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Date      time.Time `json:"Date"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
}

type list struct {
	Total    int       `json:"total"`
	Messages []Summary `json:"messages"`
}

// Messages lists the newest messages (at most 50, newest first).
func (c *Client) Messages(ctx context.Context) ([]Summary, error) {
	var l list
	err := c.get(ctx, "/api/v1/messages", &l)
	return l.Messages, err
}

// Search lists the messages matching query in mailpit's search syntax: words of the subject,
// addresses and bodies, or filters such as "message-id:..." and "to:...".
func (c *Client) Search(ctx context.Context, query string) ([]Summary, error) {
	var l list
	err := c.get(ctx, "/api/v1/search?query="+url.QueryEscape(query), &l)
	return l.Messages, err
}

// Message returns the message with mailpit's id (Summary.ID).
func (c *Client) Message(ctx context.Context, id string) (Message, error) {
	var m Message
	err := c.get(ctx, "/api/v1/message/"+url.PathEscape(id), &m)
	return m, err
}

// Headers returns the message's headers as received.
func (c *Client) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	err := c.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h, err
}

// Await polls until a message matches query, and returns the first (newest) one.
func (c *Client) Await(ctx context.Context, query string) (Message, error) {
	for {
		found, err := c.Search(ctx, query)
		if err == nil && len(found) > 0 {
			return c.Message(ctx, found[0].ID)
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("no message matches %q", query)
			}
			return Message{}, fmt.Errorf("mailpit %s: %w (%w)", c.URL, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Client) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+path, nil)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}
