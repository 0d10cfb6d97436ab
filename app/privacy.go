package app

import (
	"context"
	"io"
	"time"

	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/media/mediadb"
	"github.com/microlearn/microlearn/privacy"
	"github.com/microlearn/microlearn/privacy/privacydb"
)

// newPrivacy builds erasure and export (issue 17). An erasure's second pass waits until
// every access token the person held has expired and every cached role has been re-read.
func (a *App) newPrivacy() *privacy.Service {
	data := privacydb.NewData(a.DB.DB)
	files := mediadb.New(a.DB.DB)
	data.File = func(ctx context.Context, fileID string, length int64, chunkSize int, w io.Writer) error {
		for n := range media.Chunks(length, chunkSize) {
			b, err := files.ReadChunk(ctx, fileID, n)
			if err != nil {
				return err
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	// the reports take the person out of the programme's counts before their learners and
	// report subjects are deleted (memberships and pairings are dealt with by then)
	data.Withdraw = map[string]func(context.Context, string) error{insightdb.Learners: a.Insight.Forget}
	return &privacy.Service{Store: privacydb.New(a.DB.DB), Data: data, Archives: privacydb.NewArchives(a.DB.DB),
		Now: a.Now, Log: a.Log.With("component", "privacy"),
		Settle:    a.Cfg.AccessTokenTTL + a.Cfg.RoleCacheTTL + a.Cfg.RequestTimeout + 2*time.Minute,
		ExportTTL: a.Cfg.ExportTTL}
}

// privacyWorker runs the erasure and export jobs.
func (a *App) privacyWorker(ctx context.Context) { a.Privacy.Run(ctx, a.Cfg.PrivacyPollInterval) }
