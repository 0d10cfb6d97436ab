package content

import (
	"context"
	"errors"
	"fmt"

	"github.com/microlearn/microlearn/internal/apperr"
)

// mediaPlan is what an import stores in the media library before it writes its items: the
// pack's files in the order lessons first show them, and the captions of its videos.
type mediaPlan struct {
	files    []MediaFile
	checked  map[string]MediaInfo
	captions []videoCaptions
}

type videoCaptions struct {
	video  string
	tracks []PackCaptions
}

// check checks a pack file once, however many blocks show it.
func (s *Service) checkPackFile(ctx context.Context, programmeID string, p Pack, plan *mediaPlan, f MediaFile) (MediaInfo, *FileError) {
	if info, ok := plan.checked[f.Name]; ok {
		return info, nil
	}
	data, ok := p.Files[f.Name]
	if !ok {
		return MediaInfo{}, &FileError{Detail: fmt.Sprintf("the pack has no file %s", f.Name)}
	}
	f.Data = data
	info, err := s.Media.CheckFile(ctx, programmeID, f)
	if err != nil {
		var ae *apperr.Error
		var ve *apperr.ValidationError
		switch {
		case errors.As(err, &ae) && ae.Kind != apperr.KindInternal:
			return MediaInfo{}, &FileError{Source: f.Name, Detail: ae.Message}
		case errors.As(err, &ve):
			fe := &FileError{Source: f.Name}
			for _, x := range ve.Fields {
				fe.Detail += x.Pointer + " " + x.Detail + "; "
			}
			return MediaInfo{}, fe
		}
		return MediaInfo{}, &FileError{Source: f.Name, Detail: err.Error()}
	}
	plan.checked[f.Name] = info
	plan.files = append(plan.files, f)
	return info, nil
}

// planPackMedia checks the files a pack lesson's blocks show and fills the blocks in from
// them (media ID, a video's duration, an image's alt), so that the lesson is validated and
// budgeted with what the files really hold. It writes nothing.
func (s *Service) planPackMedia(ctx context.Context, programmeID string, p Pack, pi PackItem, it *Item, plan *mediaPlan) []FileError {
	var out []FileError
	fail := func(ptr, detail string) { out = append(out, FileError{pi.Source, ptr, detail}) }
	for _, pm := range pi.Media {
		if s.Media == nil || programmeID == "" {
			fail(pm.Pointer+"/file", "files can be shown only in a programme's library: use an https url")
			continue
		}
		b := &it.Lesson.Blocks[pm.Block]
		if b.URL != "" {
			fail(pm.Pointer, "give either url or file, not both")
			continue
		}
		info, fe := s.checkPackFile(ctx, programmeID, p, plan, MediaFile{Name: pm.File, Alt: b.Alt, Caption: b.Caption, Title: b.Title})
		if fe != nil {
			if fe.Source == "" {
				fail(pm.Pointer+"/file", fe.Detail)
			} else {
				out = append(out, *fe)
			}
			continue
		}
		if kinds, ok := mediaKinds[b.Type]; !ok || !contains(kinds, info.Kind) {
			fail(pm.Pointer+"/file", fmt.Sprintf("%s is a %s, which a %s block cannot show", pm.File, info.Kind, b.Type))
			continue
		}
		b.MediaID = info.ID
		if b.Type == BlockVideo || b.Type == BlockAnimation {
			b.DurationSeconds = info.DurationSeconds
		}
		if (b.Type == BlockImage || b.Type == BlockAnimation) && b.Alt == "" {
			b.Alt = info.Alt
		}
		out = append(out, s.planPackCaptions(ctx, programmeID, p, pi.Source, pm, info, plan)...)
	}
	return out
}

// planPackCaptions checks the captions files of one block's video (info).
func (s *Service) planPackCaptions(ctx context.Context, programmeID string, p Pack, source string, pm PackMedia, info MediaInfo, plan *mediaPlan) []FileError {
	var out []FileError
	fail := func(ptr, detail string) { out = append(out, FileError{source, ptr, detail}) }
	for i, c := range pm.Captions {
		ci, fe := s.checkPackFile(ctx, programmeID, p, plan, MediaFile{Name: c.File})
		switch {
		case fe != nil && fe.Source == "":
			fail(fmt.Sprintf("%s/captions/%d/file", pm.Pointer, i), fe.Detail)
		case fe != nil:
			out = append(out, *fe)
		case ci.Kind != "captions":
			fail(fmt.Sprintf("%s/captions/%d/file", pm.Pointer, i), fmt.Sprintf("%s is a %s, not a WebVTT captions file", c.File, ci.Kind))
		case info.Kind != "video":
			fail(fmt.Sprintf("%s/captions", pm.Pointer), "only videos have captions")
		}
	}
	if len(pm.Captions) > 0 {
		plan.captions = append(plan.captions, videoCaptions{video: pm.File, tracks: pm.Captions})
	}
	return out
}

// storePackMedia stores the checked files and gives the videos their captions.
func (s *Service) storePackMedia(ctx context.Context, programmeID, authorID string, p Pack, plan mediaPlan) error {
	stored := map[string]MediaInfo{}
	for _, f := range plan.files {
		f.Data = p.Files[f.Name]
		info, err := s.Media.StoreFile(ctx, programmeID, authorID, f)
		if err != nil {
			return fmt.Errorf("store %s: %w", f.Name, err)
		}
		stored[f.Name] = info
	}
	for _, vc := range plan.captions {
		tracks := make([]CaptionTrack, len(vc.tracks))
		for i, t := range vc.tracks {
			tracks[i] = CaptionTrack{MediaID: stored[t.File].ID, Language: t.Language, Label: t.Label}
		}
		if err := s.Media.SetCaptions(ctx, stored[vc.video].ID, tracks); err != nil {
			return fmt.Errorf("captions of %s: %w", vc.video, err)
		}
	}
	return nil
}
