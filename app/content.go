package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/content/packs"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// DemoPack returns the files of the demo content pack.
func DemoPack() (map[string][]byte, error) { return contentpack.ReadFS(packs.FS, packs.Demo) }

// seedContent imports the demo pack into the demo programme (idempotent: a second import
// changes nothing).
func (a *App) seedContent(ctx context.Context, users map[string]identity.User) error {
	files, err := DemoPack()
	if err != nil {
		return err
	}
	pack, err := contentpack.Parse(files)
	if err != nil {
		return fmt.Errorf("demo content pack: %w", err)
	}
	_, err = a.Content.Import(ctx, users[DemoAccounts[0].Email].ID, DemoProgrammeID, pack)
	if err != nil {
		return fmt.Errorf("import demo content pack: %w", err)
	}
	return nil
}

// ContentCatalog is content as mentoring sees it (mentoring.ContentCatalog).
func (a *App) ContentCatalog() mentoring.ContentCatalog { return contentCatalog{a.Content} }

type contentCatalog struct{ c *content.Service }

func info(it content.Item) mentoring.ItemInfo {
	return mentoring.ItemInfo{Title: it.Title, Kind: string(it.Kind), Published: it.Status == content.StatusPublished}
}

// Item finds an item of the programme's library or of the global one.
func (cc contentCatalog) Item(ctx context.Context, programmeID string, ref learning.ItemRef) (mentoring.ItemInfo, error) {
	it, err := cc.c.Item(ctx, ref.ID)
	if errors.Is(err, content.ErrNotFound) || (err == nil && (string(it.Kind) != ref.Kind || (it.ProgrammeID != programmeID && !it.Global()))) {
		return mentoring.ItemInfo{}, mentoring.ErrItemNotFound
	}
	if err != nil {
		return mentoring.ItemInfo{}, err
	}
	return info(it), nil
}

// ItemByKey finds an item a content pack imported into the programme.
func (cc contentCatalog) ItemByKey(ctx context.Context, programmeID, kind, key string) (learning.ItemRef, mentoring.ItemInfo, error) {
	it, err := cc.c.ItemByKey(ctx, programmeID, content.Kind(kind), key)
	if errors.Is(err, content.ErrNotFound) {
		return learning.ItemRef{}, mentoring.ItemInfo{}, mentoring.ErrItemNotFound
	}
	if err != nil {
		return learning.ItemRef{}, mentoring.ItemInfo{}, err
	}
	return it.Ref(), info(it), nil
}
