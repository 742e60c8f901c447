package bridge

import (
	"errors"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
)

// codes maps each sentinel error a page can meet to its code, the name of
// the Go variable. Order matters where one error matches several
// sentinels: the more specific first (ErrCallID also matches ErrIdentity;
// ErrE2EERequired also matches ErrE2EEDisabled; ErrWiped also matches
// ErrSecretsTaken). keyexchange and e2ee both have an ErrMalformed: the
// page tells them apart by the call that failed (a handshake message or a
// frame).
var codes = []struct {
	err  error
	code string
}{
	{ErrInvalidOption, "ErrInvalidOption"},
	{keyexchange.ErrMalformed, "ErrMalformed"},
	{keyexchange.ErrVersion, "ErrVersion"},
	{keyexchange.ErrUnexpectedMessage, "ErrUnexpectedMessage"},
	{keyexchange.ErrCommitment, "ErrCommitment"},
	{keyexchange.ErrConfirm, "ErrConfirm"},
	{keyexchange.ErrLowOrderPoint, "ErrLowOrderPoint"},
	{keyexchange.ErrCallID, "ErrCallID"},
	{keyexchange.ErrIdentity, "ErrIdentity"},
	{keyexchange.ErrNoCommonSuite, "ErrNoCommonSuite"},
	{keyexchange.ErrWrongState, "ErrWrongState"},
	{keyexchange.ErrNotDone, "ErrNotDone"},
	{keyexchange.ErrInvalidConfig, "ErrInvalidConfig"},
	{keyexchange.ErrContinuity, "ErrContinuity"},
	{keyexchange.ErrE2EERequired, "ErrE2EERequired"},
	{keyexchange.ErrE2EEDisabled, "ErrE2EEDisabled"},
	{keyexchange.ErrWiped, "ErrWiped"},
	{keyexchange.ErrSecretsTaken, "ErrSecretsTaken"},
	{keyexchange.ErrExportLength, "ErrExportLength"},
	{e2ee.ErrAuth, "ErrAuth"},
	{e2ee.ErrReplay, "ErrReplay"},
	{e2ee.ErrUnknownKey, "ErrUnknownKey"},
	{e2ee.ErrMalformed, "ErrMalformed"},
	{e2ee.ErrUnsupportedCodec, "ErrUnsupportedCodec"},
	{e2ee.ErrKeyExhausted, "ErrKeyExhausted"},
	{e2ee.ErrClosed, "ErrClosed"},
	{e2ee.ErrInvalidSecrets, "ErrInvalidSecrets"},
}

// CodeUnknown is the code of an error that wraps none of the sentinels.
const CodeUnknown = "ErrUnknown"

// Code returns the code the page sees for err: the name of the first
// sentinel err wraps (ErrInvalidOption, or keyexchange's or e2ee's, e.g.
// "ErrMalformed", "ErrAuth"), or CodeUnknown. Code(nil) is "".
func Code(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeUnknown
}
