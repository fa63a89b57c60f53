package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// TestBrowserOverfullShelterIsFlagged: a grid worker checks in more people than a shelter holds
// (they are at its door). The check-in is recorded, not refused, and the operator's shelters panel
// says by how many people it is over, in Chinese, with the shelter's name.
func TestBrowserOverfullShelterIsFlagged(t *testing.T) {
	ctx := browser(t)
	p := startFloodcmd(t)
	var st struct {
		Shelters []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Capacity int    `json:"capacity"`
		} `json:"shelters"`
	}
	require.Equal(t, 200, p.getJSON(t, "/api/state", &st))
	require.NotEmpty(t, st.Shelters)
	sh := st.Shelters[0]
	require.Positive(t, sh.Capacity)

	js := fieldStream(t, p)
	// Two head counts: the shelter filled, then five more at the door.
	for i, people := range []int{sh.Capacity, 5} {
		id := fmt.Sprintf("overfull-%d", i)
		ev := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"grid/test","type":"flood.shelter.checkin","time":"2022-05-12T12:0%d:00+08:00","data":{"people":%d}}`, id, i, people)
		_, err := js.Publish(context.Background(), "flood.duhu.shelter."+sh.ID, []byte(ev), jetstream.WithMsgID(id))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		var now struct {
			Shelters []struct {
				ID           string `json:"id"`
				Occupancy    int    `json:"occupancy"`
				OverCapacity int    `json:"over_capacity"`
			} `json:"shelters"`
		}
		p.getJSON(t, "/api/state", &now)
		for _, s := range now.Shelters {
			if s.ID == sh.ID {
				return s.Occupancy == sh.Capacity+5 && s.OverCapacity == 5
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "both check-ins recorded, 5 over")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.url("/login?token="+browserAdmin)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-conn="live"]`)),
		chromedp.Click(chromedp.CSS(`#tabs [data-tab="shelters"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-shelter=%q] [data-over="5"]`, sh.ID))),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`[data-shelter=%q]`, sh.ID))))
	require.NoError(t, err)
	require.Contains(t, text, "超员 5人")
	require.True(t, strings.Contains(text, sh.Name), "the shelter is named: %q", text)
	require.Contains(t, text, fmt.Sprintf("%d/%d", sh.Capacity+5, sh.Capacity))
	screenshot(t, ctx, "board-shelter-over-capacity.png")
}
