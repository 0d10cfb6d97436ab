package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// RunOnce claims the job due first and works on it until it is done, waits for its next
// pass, or fails; false when none was due.
func (s *Service) RunOnce(ctx context.Context) (bool, error) {
	now := s.now()
	lease := randomID("")
	j, err := s.Store.Claim(ctx, now, now.Add(s.lease()), lease)
	if errors.Is(err, ErrNothingDue) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch j.Kind {
	case KindErase:
		err = s.erase(ctx, j, lease)
	case KindExport:
		err = s.export(ctx, j, lease)
	default:
		err = fmt.Errorf("privacy job %s has unknown kind %q", j.ID, j.Kind)
	}
	if errors.Is(err, errStopped) {
		return true, nil
	}
	if err != nil {
		s.retry(ctx, j, lease, err)
	}
	return true, nil
}

// retry gives the job back with back-off; an export gives up after 5 attempts, an erasure
// never does (it is logged loudly: an operator must see it).
func (s *Service) retry(ctx context.Context, j Job, lease string, cause error) {
	cur, err := s.Store.Get(ctx, j.ID)
	if err != nil {
		s.Log.Error("privacy job failed and could not be read back", "jobId", j.ID, "error", err.Error())
		return
	}
	cur.Attempts++
	cur.LastError = cause.Error()
	cur.DueAt = s.now().Add(min(time.Duration(1<<min(cur.Attempts, 10))*time.Second, 10*time.Minute))
	cur.Lease, cur.LeaseUntil = "", time.Time{}
	if cur.Kind == KindExport && cur.Attempts >= 5 {
		cur.State = StateFailed
	}
	s.Log.Error("privacy job failed; it will be retried", "jobId", j.ID, "kind", string(j.Kind), "attempts", cur.Attempts,
		"state", string(cur.State), "error", cause.Error())
	if _, err := s.Store.Save(ctx, cur, lease); err != nil {
		s.Log.Error("privacy job: saving the failure failed", "jobId", j.ID, "error", err.Error())
	}
}

// save writes the job's progress, extending the lease; errLeaseLost when another worker
// took it over.
func (s *Service) save(ctx context.Context, j *Job, lease string) error {
	j.LeaseUntil = s.now().Add(s.lease())
	ok, err := s.Store.Save(ctx, *j, lease)
	if err != nil {
		return err
	}
	if !ok {
		return errStopped // another worker holds it now: leave it to them
	}
	if s.AfterStep != nil {
		if err := s.AfterStep(*j); err != nil {
			return errStopped
		}
	}
	return nil
}

// erase runs the rest of the current pass, then schedules the second pass or finishes.
func (s *Service) erase(ctx context.Context, j Job, lease string) error {
	for j.Step < s.Data.Steps() {
		n, err := s.Data.Erase(ctx, j.Step, j.Person, j.ID)
		if err != nil {
			return fmt.Errorf("erase %s: %w", s.Data.StepName(j.Step), err)
		}
		if n > 0 {
			s.Log.Info("erasure step", "jobId", j.ID, "pass", j.Pass+1, "collection", s.Data.StepName(j.Step), "documents", n)
		}
		j.Step++
		if err := s.save(ctx, &j, lease); err != nil {
			return err
		}
	}
	j.Lease, j.LeaseUntil = "", time.Time{}
	if j.Pass == 0 {
		j.Pass, j.Step = 1, 0
		j.DueAt = s.now().Add(s.Settle)
	} else {
		j.State, j.CompletedAt = StateDone, s.now()
		j.Person = Person{Tombstone: j.Person.Tombstone} // the audit record keeps only the tombstone
		s.Log.Info("erasure complete", "jobId", j.ID, "tombstone", j.Person.Tombstone)
	}
	_, err := s.Store.Save(ctx, j, lease)
	return err
}

// export builds the whole archive (a crash builds it again from the start) and stores it.
func (s *Service) export(ctx context.Context, j Job, lease string) error {
	pairings, err := s.Data.Pairings(ctx, j.Person)
	if err != nil {
		return err
	}
	n, err := s.Archives.Put(ctx, j.ID, func(w io.Writer) error { return s.writeArchive(ctx, w, j, pairings) })
	if err != nil {
		return err
	}
	now := s.now()
	j.State, j.Bytes, j.CompletedAt, j.ExpiresAt = StateDone, n, now, now.Add(s.exportTTL())
	j.Lease, j.LeaseUntil = "", time.Time{}
	_, err = s.Store.Save(ctx, j, lease)
	return err
}

// manifest is the archive's index.
type manifest struct {
	Format      string         `json:"format"`
	UserID      string         `json:"userId"`
	GeneratedAt time.Time      `json:"generatedAt"`
	Files       map[string]int `json:"files"`
	About       string         `json:"about"`
}

func (s *Service) writeArchive(ctx context.Context, w io.Writer, j Job, pairings []string) error {
	zw := zip.NewWriter(w)
	m := manifest{Format: "microlearn-export/1", UserID: j.Person.UserID, GeneratedAt: s.now(), Files: map[string]int{},
		About: "Everything microlearn holds about you: one JSON file per collection (the documents that name you, " +
			"and the shared record of your pairings), and in files/ what you uploaded. Secrets (password and token hashes) are left out."}
	for i := range s.Data.Steps() {
		b, err := s.Data.Export(ctx, i, j.Person, pairings)
		if err != nil {
			return fmt.Errorf("export %s: %w", s.Data.StepName(i), err)
		}
		if b == nil {
			continue
		}
		name := "data/" + s.Data.StepName(i) + ".json"
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			return err
		}
		m.Files[name] = len(b)
	}
	err := s.Data.Attachments(ctx, j.Person, func(name string) (io.Writer, error) {
		m.Files["files/"+name] = 0
		return zw.Create("files/" + name)
	})
	if err != nil {
		return err
	}
	f, err := zw.Create("manifest.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	return zw.Close()
}

// Run works on due jobs until ctx ends, and removes expired archives every hour.
func (s *Service) Run(ctx context.Context, poll time.Duration) {
	wake := s.wakeup()
	nextSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Now().After(nextSweep) {
			s.sweep(ctx)
			nextSweep = time.Now().Add(time.Hour)
		}
		ran, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("claiming a privacy job failed", "error", err.Error())
		}
		if ran && err == nil {
			continue
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// sweep deletes expired export archives and their jobs.
func (s *Service) sweep(ctx context.Context) {
	jobs, err := s.Store.Expired(ctx, s.now(), 100)
	if err != nil && ctx.Err() == nil {
		s.Log.Error("listing expired exports failed", "error", err.Error())
	}
	if err != nil {
		return
	}
	for _, j := range jobs {
		if err := s.Archives.Delete(ctx, j.ID); err != nil {
			s.Log.Error("deleting an expired export failed", "jobId", j.ID, "error", err.Error())
			continue
		}
		if err := s.Store.Delete(ctx, j.ID); err != nil {
			s.Log.Error("deleting an expired export's job failed", "jobId", j.ID, "error", err.Error())
		}
	}
}
