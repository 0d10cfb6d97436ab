package evidencedb

import "github.com/microlearn/microlearn/internal/mongodb"

func activityIndexes() []mongodb.Index { return nil }
