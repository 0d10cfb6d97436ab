package notify_test

import (
	"fmt"
	"testing"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/notify"
)

// BenchmarkEnqueueAndSend measures a notification's whole path on the real store: enqueue,
// claim, rules, SendEach through the real Admin SDK to the local fake FCM, the delivery
// record, the inbox entry and the cleanup. Each notification goes to one of 50 users with
// one device each; the sender runs rounds of up to 100 notifications.
func BenchmarkEnqueueAndSend(b *testing.B) {
	h := newHarness(b)
	for u := 0; u < 50; u++ {
		h.user(fmt.Sprintf("u%02d", u), "Europe/London")
	}
	ctx, counter := dbcount.WithCounter(h.ctx)
	h.ctx = ctx
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.enqueue(notify.Notification{DedupKey: fmt.Sprintf("bench:%d", i), UserID: fmt.Sprintf("u%02d", i%50),
			Kind: notify.KindBadgeEarned, Vars: map[string]string{"badge": "Bench"}})
		if i%100 == 99 {
			h.run()
		}
	}
	h.run()
	b.StopTimer()
	if n := len(h.fake.Requests()); n != b.N {
		b.Fatalf("%d requests for %d notifications", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
	b.ReportMetric(float64(counter.Load())/float64(b.N), "dbcommands/notification")
}
