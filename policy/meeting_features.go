package policy

import "fmt"

// MeetingFeature is a meeting feature that is unavailable while a meeting is
// end-to-end encrypted: each needs a service to process the media, or a
// client that does not hold the meeting's keys, which E2EE excludes.
type MeetingFeature uint8

const (
	// MeetingLiveCaptions: live captions and transcription.
	MeetingLiveCaptions MeetingFeature = iota + 1
	// MeetingRecording: meeting recording.
	MeetingRecording
	// MeetingTogetherMode: Together mode, the server-composed shared scene.
	MeetingTogetherMode
	// MeetingCompanionMode: joining from a second device as a companion.
	MeetingCompanionMode
	// MeetingLargeGallery: the large gallery view, composed by a server.
	MeetingLargeGallery
	// MeetingBreakoutRooms: breakout rooms.
	MeetingBreakoutRooms
	// MeetingPowerPointLive: presenting with PowerPoint Live.
	MeetingPowerPointLive
	// MeetingExcelLive: sharing a workbook with Excel Live.
	MeetingExcelLive
)

// allMeetingFeatures lists every MeetingFeature in declaration order.
var allMeetingFeatures = [...]MeetingFeature{
	MeetingLiveCaptions, MeetingRecording, MeetingTogetherMode, MeetingCompanionMode,
	MeetingLargeGallery, MeetingBreakoutRooms, MeetingPowerPointLive, MeetingExcelLive,
}

// MeetingFeatures returns every MeetingFeature that E2EE makes unavailable,
// in declaration order, in a new slice.
func MeetingFeatures() []MeetingFeature {
	return append([]MeetingFeature(nil), allMeetingFeatures[:]...)
}

func (f MeetingFeature) String() string {
	switch f {
	case MeetingLiveCaptions:
		return "live captions and transcription"
	case MeetingRecording:
		return "recording"
	case MeetingTogetherMode:
		return "Together mode"
	case MeetingCompanionMode:
		return "companion mode"
	case MeetingLargeGallery:
		return "large gallery"
	case MeetingBreakoutRooms:
		return "breakout rooms"
	case MeetingPowerPointLive:
		return "PowerPoint Live"
	case MeetingExcelLive:
		return "Excel Live"
	}
	return fmt.Sprintf("MeetingFeature(%d)", uint8(f))
}
