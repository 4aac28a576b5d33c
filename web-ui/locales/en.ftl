# Parley's web UI in English: the reference catalogue. Every other catalogue has exactly
# these messages with the same placeables (src/i18n/catalogue_check.rs checks it).
# How to add a language: docs/ui.md.

# The language's own name, in the language picker.
language-name = English
language-picker-label = Interface language

## The frame

skip-to-content = Skip to content
nav-main-label = Main
my-account-prefix = My account:{" "}
sign-out = Sign out
live-title = Live updates
live-connected = Live
live-connecting = Connecting…
live-offline = Offline
live-retrying = Offline · retry in { $seconds }s
connection-lost = Connection to the server lost. Live updates paused; reconnecting in { $seconds } s (attempt { $attempt }). What you see may be out of date.
go-home = Go to my home
not-available-title = Not available
not-available-text = This page is not part of the { $role } workspace.

## Views: titles and navigation

title-home = Home
title-login = Sign in
title-reset-password = Set a new password
title-account = My account
title-request = Request an interpreter
title-my-call = Your call
title-console = Interpreter console
title-floor = Live floor
title-floor-at = Floor at an instant
title-calls = Call history
title-replay = Call timeline
title-analytics = Analytics
title-admin = Administration
title-organisations = Organisations
title-organisation = Organisation
title-invoices = Invoices
title-dispute = Billed call
title-not-found = Page not found
nav-request = Request an interpreter
nav-console = Console
nav-floor = Live floor
nav-floor-at = Floor at…
nav-calls = Call history
nav-analytics = Analytics
nav-organisations = Organisations
nav-invoices = Invoices
nav-admin = Administration

## Roles

role-admin = Admin
role-supervisor = Supervisor
role-agent = Interpreter
role-analyst = Analyst
role-requester = Requester

## Statuses, activities and options, as the server names them

status-new = New
status-requested = Requested
status-queued = Queued
status-offered = Offered
status-connected = Connected
status-on-hold = On hold
status-ended = Ended
status-wrapped-up = Wrapped up
status-abandoned = Abandoned
status-no-interpreter-available = No interpreter available
status-available = Available
status-break = On break
status-offline = Offline
status-away = Away
status-idle = Idle
status-ringing = Ringing
status-on-call = On call
status-wrap-up = Wrap-up
specialty-general = General
specialty-medical = Medical
specialty-legal = Legal
modality-video = Video
modality-audio = Audio
strategy-longest-idle = Longest idle
strategy-round-robin = Round robin
strategy-fewest-calls-today = Fewest calls today
strategy-best-proficiency = Best proficiency

## Durations (the numbers come formatted for the locale)

duration-hours-minutes = { $hours }h { $minutes }m
duration-minutes-seconds = { $minutes }m { $seconds }s
duration-seconds = { $seconds }s

## Errors and the session

error-network = Cannot reach the Parley server. Check your connection; we will keep trying.
error-invalid-credentials = Wrong email or password.
error-wrong-password = The current password is not right.
error-forbidden = Your role may not do this.
error-rate-limited-for = Too many attempts. Try again in { $seconds } s.
error-rate-limited = Too many attempts. Try again shortly.
error-unavailable = The service is temporarily unavailable. Try again in a moment.
session-signed-out = You have signed out.
session-expired = Your session has expired. Please sign in again.
session-invalid = Your session is no longer valid. Please sign in again.

## Sign in

login-heading = Sign in to Parley
login-tagline = Interpreters on demand, by video or phone.
login-email = Email
login-email-missing = Enter your email.
login-password = Password
login-password-missing = Enter your password.
login-submit = Sign in
login-busy = Signing in…
login-or = or
login-sso = Sign in with SSO
login-sso-failed = Single sign-on failed: { $error }
login-demo-accounts = Demo accounts (local stack)
login-demo-password = Password

## Shared words

loading = Loading…
dismiss = Dismiss
column-time = Time
column-language = Language
column-status = Status
column-talk = Talk

## The interpreter's console

console-my-status = My status
console-now = Now:
console-since = since { $time }
console-calls-today = { $count ->
    [one] { $count } call today
   *[other] { $count } calls today
}
console-set-away = You were set away after missing offers. Set yourself available when you are back.
console-ring-on = Ring when an offer comes
console-test-ring = Test the ring
console-ring-permission = The ring needs your permission to play sound.
console-enable-sound = Enable sound
console-load-failed = Could not load your status: { $error }
console-no-skills = You have no skills on file yet, so you cannot take calls. Ask an admin to add your languages.
console-idle-available = Waiting for the next call. Offers ring here.
console-idle-break = You are on break: no calls will be offered.
console-idle-away = You are away: no calls will be offered until you set yourself available.
console-idle-offline = You are offline. Set yourself available to receive calls.
offer-incoming = Incoming call
offer-expired = Offer expired
offer-expired-announcement = The offer has expired.
offer-seconds-left-announcement = { $seconds } seconds left to answer.
offer-seconds-left = s left to answer
offer-requested-by = requested by { $name }
offer-queue = Queue { $queue }
offer-urgent = Urgent
offer-accept = Accept
offer-decline = Decline
offer-missed = The { $language } call was not answered in time and went back to its queue.
call-heading = { $language } call
call-requester = requester { $name }
call-queue = queue { $queue }
call-talking = talking { $duration }
call-transfer-ringing = Transfer ringing: you keep the caller until it is accepted.
call-hold = Hold
call-resume = Resume
call-end = End call
call-end-confirm = End this call for everyone?
call-left-room = You left the video room
call-left-room-question = End the call for everyone, or go back into the room?
call-end-for-everyone = End the call
call-rejoin = Rejoin
transfer = Transfer
consult = Consult first
consult-complete = Complete transfer
consult-cancel = Cancel consult
transfer-to = Transfer to
transfer-to-choose = Transfer to…
transfer-queues = Queues
transfer-nobody-free = Colleagues: nobody free now
transfer-colleagues-free = Colleagues free now
transfer-choose = Choose a queue or a colleague.
transfer-queue-confirm = Transfer this call? You keep the caller until an interpreter of the chosen queue accepts; then you go into wrap-up.
transfer-colleague-confirm = Transfer this call to { $name }? It rings for them; you keep the caller until they accept, then you go into wrap-up.
transfer-this-colleague = this colleague
wrap-heading = Wrap-up
wrap-about = { $language } call with { $name } · talked { $duration }
wrap-about-transferred = { $language } call with { $name } · transferred by you
wrap-about-call = Call { $id }
wrap-disposition = Disposition
wrap-notes = Notes (optional)
wrap-submit = Submit wrap-up
disposition-completed = Completed
disposition-partially-completed = Partially completed
disposition-no-show = Other party did not join
disposition-technical-issue = Technical issue
disposition-wrong-language = Wrong language
disposition-other = Other
today-heading = Today's calls
today-none = None yet.
any = Any
open = Open
copy = Copy
copied = Copied
copy-label = Copy { $label }
column-requested = Requested
column-interpreter = Interpreter
column-rating = Rating
gender-female = Female
gender-male = Male
gender-nonbinary = Non-binary
tags-add = Add
tags-remove = Remove { $name }
tags-none = None
tags-choose = Choose…

## The requester

request-load-failed = Could not load your calls: { $error }
request-active-call = You have a call { $status }.
request-open-it = Open it
request-new = New request
request-language-hint = Spoken with the other party.
request-your-language = Your language
request-modality = Modality
request-audio-only = Audio only
request-specialty = Specialty
request-requirements = Requirements (optional)
request-gender = Interpreter's gender
request-certifications = Certifications required
request-certifications-example = e.g. court
request-urgent = Urgent (served first)
request-submit = Request interpreter
request-busy = Requesting…
request-your-calls = Your calls
request-no-calls = No calls yet.
my-call-not-found = This call does not exist or is not yours.
my-call-back = Back to requests
my-call-requests-link = ← Requests
my-call-cancel-confirm = Cancel this request? The call will be abandoned.
my-call-cancel = Cancel request
my-call-offered = An interpreter is being asked to take your call…
my-call-queued = Waiting for an interpreter…
my-call-routing = Finding the right queue…
my-call-waiting-for = Waiting for
my-call-queue = Queue
my-call-place = Your place
my-call-position = You are number { $position } in the queue
my-call-queue-waiting = Calls waiting in this queue
my-call-estimate = Estimated wait
my-call-any-moment = Any moment now
my-call-about = about { $duration }
my-call-no-estimate = Not enough data yet
my-call-your-interpreter = Your interpreter:
my-call-connected-ago = connected { $duration } ago
my-call-on-hold = The interpreter has put the call on hold. Please stay in the room.
my-call-left-room = You left the video room. Only the interpreter can end the call.
my-call-rejoin = Rejoin the room
callback-chosen = We will call you back: you keep your place. When your interpreter is ready, this page asks you to join.
callback-choose = Call me back instead
callback-join-now = Your interpreter is ready — join now ({ $seconds } s left)
callback-join = Join
rating-cancelled = You cancelled this request.
rating-no-interpreter = No interpreter was available for this request.
rating-request-again = Request again
rating-ended = The call has ended
rating-waited = Waited
rating-talked = Talked
rating-choose-stars = Choose from 1 to 5 stars.
rating-question = How was your interpreter?
rating-stars = { $count ->
    [one] { $count } star
   *[other] { $count } stars
}
rating-comment = Comment (optional)
rating-send = Send rating
rating-thanks = { $count ->
    [one] Thank you — you rated this call { $count } star.
   *[other] Thank you — you rated this call { $count } stars.
}

## My account and passwords

account-signed-in-as = Signed in as
account-name = Name
account-role = Role
account-change-password = Change password
account-current-password = Current password
account-new-password = New password
account-new-password-again = New password again
account-current-missing = Enter your current password.
account-passwords-differ = The two new passwords differ: type the same one twice.
account-password-same = The new password is the current one: choose another.
account-password-changed = Your password is changed. Use it from your next sign-in.
password-at-least = At least { $min } characters.
password-length = The new password must be { $min } to { $max } characters long.
reset-link-invalid = This reset link does not work: it has been used already, has expired (links last 24 hours) or was copied incompletely. Ask an administrator for a new one.
reset-link-missing = This page needs the whole reset link an administrator sent you (it ends with #token=…). Ask them for a new one if it is lost.
reset-passwords-differ = The two passwords differ: type the same one twice.
reset-done = Your new password is set. Sign in with it.
reset-go-to-sign-in = Go to sign in
reset-works-once = The link works once. Setting a password signs you out everywhere.
reset-submit = Set password
reset-busy = Setting…

## The live floor and call history

reason-presence-lost = connection lost
reason-missed-offers = missed offers
estimate-nobody-signed-in = nobody signed in
estimate-no-service-today = no calls served today
floor-queues = Queues
floor-interpreters = Interpreters
floor-calls = Calls
floor-presence-lost = { $name } lost their connection during a call. The call goes on; check on it.
floor-totals = Floor totals
floor-calls-waiting = Calls waiting
floor-longest-wait = Longest wait
floor-free-now = Free now
floor-free-now-title = Eligible interpreters available and idle
floor-on-a-call = On a call
floor-no-queues = No queues yet.
floor-languages = Languages
floor-waiting = Waiting
floor-break = Break
floor-service-level = Service level today
floor-estimated-wait = Est. wait
floor-no-interpreters = No interpreters yet.
floor-for = For
floor-activity = Activity
floor-call = Call
floor-today = Today
floor-change-status = Change status
floor-no-calls = No calls waiting or in progress.
floor-request = Request
floor-actions = Actions
floor-monitor = Monitor
floor-stop-monitoring = Stop monitoring
floor-monitor-name = { $name } (supervisor)
floor-monitoring = Monitoring call { $id }
floor-earlier = See the floor at an earlier time →
floor-calls-heading = Calls waiting and in progress
floor-status-set = { $name } is now { $status }.
floor-new-status-for = New status for { $name }
floor-set = Set
floor-choose-target = Choose a queue or an interpreter first.
floor-requeue-confirm = Re-queue call { $id } to { $name }?
floor-transfer-queue-confirm = Transfer call { $id } to the { $name } queue? Its interpreter goes into wrap-up.
floor-ring-confirm = Ring { $name } for call { $id }?
floor-transfer-confirm = Transfer call { $id } to { $name }?
floor-move-done = Done: call { $id } → { $name }.
floor-move-call = Move call { $id }
floor-requeue-or-offer = Re-queue / offer…
floor-transfer-choose = Transfer…
floor-to-a-queue = To a queue
floor-ring-interpreter = Ring an available interpreter
floor-to-interpreter = To an available interpreter
floor-go = Go
calls-intro = Open a call to replay its timeline and see its state at any instant.
calls-day = Day (UTC)
calls-none = No calls that day.
calls-wait = Wait
calls-replay = Replay
calls-load-more = Load more

## A call's timeline (replay)

yes = yes
no = no
replay-not-yet = The call did not exist yet at that instant.
replay-interpreter = interpreter { $name }
replay-organisation = organisation { $name }
replay-instant = Instant to show
replay-previous = ◀ Previous event
replay-next = Next event ▶
replay-whole-floor = The whole floor at this instant →
replay-state-heading = The call at that instant
replay-events-so-far = Events so far
replay-last-event = Last event
replay-ringing-for = Ringing for
replay-on-hold-since = On hold since
replay-held-so-far = Held so far
replay-rated = Rated
replay-pick = Move the scrubber or pick an event.
replay-timeline = Timeline ({ $count ->
    [one] { $count } event
   *[other] { $count } events
})
replay-show-at-event = Show the call at this event
replay-by = by { $actor }
replay-details = Details
replay-back = ← Call history
event-call-requested = Call requested
event-call-queued = Call queued
event-call-offered = Call offered
event-offer-declined = Offer declined
event-offer-expired = Offer expired
event-offer-withdrawn = Offer withdrawn
event-call-accepted = Call accepted
event-call-held = Call held
event-call-resumed = Call resumed
event-call-transferred = Call transferred
event-transfer-requested = Transfer requested
event-transfer-failed = Transfer failed
event-call-ended = Call ended
event-call-wrapped-up = Call wrapped up
event-call-abandoned = Call abandoned
event-call-overflowed = Call overflowed
event-no-interpreter-available = No interpreter available
event-call-rated = Call rated
event-call-pool-widened = Call pool widened
event-callback-chosen = Callback chosen
event-callback-offered = Callback offered
event-requester-joined = Requester joined
event-callback-missed = Callback missed

## The floor at an instant, organisations

floor-at-heading = The floor at an instant
floor-at-enter-instant = Enter a date and time.
floor-at-now = Now
floor-at-in-progress = In progress
floor-at-queue = { $queue } · { $count } waiting · longest { $longest }
floor-at-unrouted = Not yet in a queue
floor-at-calls-heading = Calls in progress
floor-at-no-calls = No calls in progress.
floor-at-since = Since
floor-at-instant = Instant (your time)
floor-at-show = Show
floor-at-step = Step through time
floor-at-back-minutes = −{ $count } min
floor-at-back-seconds = −{ $count } s
floor-at-on-minutes = +{ $count } min
floor-at-on-seconds = +{ $count } s
orgs-name-missing = Give the organisation a name.
orgs-created = Created { $name }.
orgs-none = No organisations yet.
orgs-policy-link = Policy and history →
orgs-open = Open { $name }
orgs-intro = Requesters belong to an organisation. Its policy prefers or bans interpreters and requires certifications on every call it makes.
orgs-new = New organisation
orgs-name = Organisation name
orgs-create = Create organisation
orgs-all = All organisations
policy-field-preferred = preferred interpreters
policy-field-banned = banned interpreters
policy-field-certifications = required certifications
policy-field-preferred-wait = preferred wait
policy-added = Added to { $field }: { $names }
policy-removed = Removed from { $field }: { $names }
policy-someone-unknown = someone unknown
policy-no-changes = No changes yet: the policy is the default (nobody preferred or banned, no certification required).
policy-no-change = Saved with no change.
policy-preferred-and-banned = remove them from one of the two lists.
policy-unknown-agent = choose the interpreters from the lists again.
policy-load-failed = Could not load the interpreters: { $error }
policy-wait-invalid = The preferred wait must be a whole number of seconds.
policy-saved = Policy saved.
policy-back = ← Organisations
policy-heading = Requester policy
policy-applies = Applies to every call this organisation's requesters make.
policy-preferred-hint = Offered first when free.
policy-wait-label = Preferred wait (seconds)
policy-wait-hint = How long a call waits for a preferred interpreter before anyone eligible may take it (0–3600).
policy-banned-hint = Never offered this organisation's calls, whatever the widening.
policy-certifications-hint = Every interpreter of this organisation's calls must hold all of them.
policy-save = Save policy
policy-history = Policy history

## Routing explained

routing-heading = Routing explained
routing-intro = Was an interpreter offered this call, and if not, why?
routing-explain = Explain
routing-choose = Choose an interpreter.
routing-failed = The server could not explain the routing: { $error }
routing-offered = { $name } was offered this call.
routing-not-offered = { $name } was not offered this call.
routing-offered-at = Offered at { $time }
routing-in-queue = in { $queue }
offer-outcome-accepted = Accepted
offer-outcome-declined = Declined
offer-outcome-expired = Expired
offer-outcome-withdrawn = Withdrawn
routing-reason-banned-by-organisation = Banned by the caller's organisation
routing-reason-not-in-queue = Not a member of the call's queue
routing-reason-pair-missing = Does not hold the call's language pair
routing-reason-proficiency-too-low = Proficiency below the queue's minimum
routing-reason-modality-missing = Does not work in the call's modality
routing-reason-specialty-missing = Lacks the call's specialty
routing-reason-organisation-certification-missing = Lacks a certification the organisation requires
routing-reason-certification-missing = Lacks a certification the request requires
routing-reason-gender-mismatch = Does not match the requested gender
routing-reason-busy = Busy with another call
routing-reason-not-available = Not available (on break or signed out)
routing-reason-widening-step-not-reached = Only eligible after a widening step the call had not reached
routing-reason-another-interpreter-chosen = Another interpreter was chosen

## Invoices and a billed call

invoice-month = Month
invoice-show = Show invoice
invoice-heading = Invoice · { $organisation } · { $month }
invoice-currency = Currency: { $currency }
invoice-print = Print
invoice-when = When
invoice-billed = Billed
invoice-description = Description
invoice-amount = Amount
invoice-credit-note = credit note
invoice-total = Total
dispute-timeline-failed = Could not load the timeline: { $error }
dispute-loading = Loading the bill…
dispute-summary = Billed { $amount } for { $duration } (rate card version { $version }), net { $net } after credits.
dispute-no-rate-card = none
dispute-line = Line
dispute-seconds = Seconds
dispute-events = Events
dispute-credit = Credit note { $number }: { $reason } (by { $name })
dispute-heading = Call { $id } · bill and timeline
dispute-bill = Bill
dispute-choose-line = Choose a line to mark the events it is billed from.
dispute-timeline = Timeline

## Analytics

analytics-bad-range = Choose a start day on or before the end day.
analytics-preparing = Preparing the export…
analytics-saved = Saved { $file } ({ $size }).
analytics-save-failed = Could not save the file: { $error }
analytics-export-failed = Export failed: { $error }
analytics-settings = Report settings
analytics-group-by = Group by
analytics-interval = Interval
analytics-15-minutes = 15 minutes
analytics-hour = Hour
analytics-day = Day
analytics-from = From (UTC day)
analytics-to = To (UTC day, included)
analytics-update = Update
analytics-export = Export calls (CSV)
analytics-offered = Offered
analytics-answered = Answered
analytics-service-level = Service level
analytics-asa-long = Avg. speed of answer
analytics-aht-long = Avg. handle time
analytics-no-activity = No activity in this range.
analytics-chart-by-group = Calls by group
analytics-chart-offered = Calls offered per interval
analytics-chart-service-level = Service level per interval
analytics-totals = Totals over the range
analytics-per-interval = Per interval ({ $count ->
    [one] { $count } row
   *[other] { $count } rows
})
analytics-group = Group
analytics-overflowed = Overflowed
analytics-no-interpreter = No interpreter
analytics-asa = ASA
analytics-aht = AHT
analytics-abandon-rate = Abandon rate
analytics-occupancy = Occupancy

## Administration: tabs, accounts, API keys

admin-tab-users = Users and roles
admin-tab-keys = API keys
admin-tab-skills = Interpreter skills
scope-calls-request = Request calls
scope-calls-read = Read the calls it requested
scope-calls-cancel = Cancel the calls it requested while they wait
scope-unknown = Unknown scope
users-deactivated = Deactivated { $who }.
users-reactivated = Reactivated { $who }.
users-reset-issued = Reset link issued for { $who }.
users-not-yourself = You cannot deactivate your own account.
users-accounts = Accounts
users-reset-link-for = Password reset link for { $name }
users-reset-link-send = Send it to { $email } yourself, by a channel you trust. It works once, until { $until }; it is not shown again.
users-reset-link = Reset link
users-done = Done
users-deactivate-confirm = Deactivate { $who }? They can no longer sign in, and their sessions end within a second.
users-reactivate-confirm = Reactivate { $who }?
users-reset-confirm = Issue a password reset link for { $who }? It works once, for 24 hours; their password stays until it is used.
users-active = Active
users-deactivated-badge = Deactivated
users-you = (you)
users-reset-password = Reset password
users-deactivate = Deactivate
users-reactivate = Reactivate
users-created = Created { $email } ({ $role }).
users-email-taken = That email already has an account.
users-new = New account
users-initial-password = Initial password
users-password-hint = At least { $min } characters. Interpreters also need skills before they can take calls.
users-create = Create account
users-organisation-hint = A requester sees their organisation's calls; its policy applies to them.
keys-revoke-confirm = Revoke the API key { $name } (pk_{ $prefix }…)? The integration that uses it is refused from its next request. This cannot be undone.
keys-revoked = Revoked { $name }.
keys-key-for = Key for { $name }
keys-copy-now = Copy this key now and store it safely: it is shown only this once. Parley keeps only a digest of it; if it is lost, create a new key and revoke this one.
keys-api-key = API key
keys-sent-as = The integration sends it as
keys-stored = I have stored the key
keys-none = No API keys yet.
keys-key = Key
keys-scopes = Scopes
keys-created = Created
keys-last-used = Last used
keys-revoked-badge = Revoked
keys-revoke = Revoke
keys-revoke-named = Revoke { $name }
keys-name-missing = Name the key after who uses it (e.g. the clinic's scheduling system).
keys-scope-missing = Choose at least one scope.
keys-new = New API key
keys-name-hint = Who uses the key, e.g. Clinic scheduling system.
keys-create = Create key

## Administration: queues and their members

queues-whole-number = { $field } must be a whole number.
queues-name-missing = Give the queue a name.
queues-languages-missing = List at least one language code (e.g. es, zh).
queues-min-proficiency = Minimum proficiency
queues-ring-timeout = Ring timeout
queues-max-wait = Maximum wait
queues-wrap-up-time = Wrap-up time
queues-sl-threshold = Service-level threshold
queues-precedence = Precedence
queues-saved = Saved queue { $name }.
queues-strategy = Strategy
queues-ring = Ring
queues-max-wait-short = Max wait
queues-overflow-to = Overflow to
queues-sl-short = SL threshold
queues-members = Members
queues-anyone-skilled = Anyone skilled
queues-edit = Edit
queues-edit-named = Edit { $name }
queues-edit-heading = Edit queue { $name }
queues-new = New queue
queues-languages-label = Languages (ISO codes, comma-separated)
queues-routing-strategy = Routing strategy
queues-min-proficiency-label = Minimum proficiency (1–5)
queues-ring-timeout-label = Ring timeout (s)
queues-max-wait-label = Maximum wait (s)
queues-wrap-up-time-label = Wrap-up time (s)
queues-sl-threshold-label = Service-level threshold (s)
queues-precedence-label = Precedence (higher wins a tie)
queues-source-language-label = Source language (empty: English)
queues-save = Save changes
queues-create = Create queue
queues-cancel = Cancel
queues-widening-step = Widening { $number }: { $step }
widening-proficiency = proficiency { $level } and up
widening-any-specialty = any specialty
widening-requirements-dropped = the request's requirements dropped
widening-also-queue = also { $queue }'s interpreters
widening-no-change = no change
widening-after = after { $duration }: { $changes }
members-saved = Saved the members of { $name }: { $count ->
    [0] anyone with the skills.
    [one] { $count } interpreter.
   *[other] { $count } interpreters.
}
members-heading = Members of { $name }
members-intro = Interpreters who may take this queue's calls. With none ticked, anyone with the matching skills may.
members-loading = Loading interpreters…
members-none = No interpreter accounts yet.
members-save = Save members

## Administration: interpreter skills, language pairs, widening, profile

skills-language-missing = Add at least one language or language pair.
skills-modality-missing = Choose at least one modality.
skills-saved = Skills saved.
skills-modalities = Modalities
skills-none-yet = none yet
skills-edit = Edit skills
skills-heading = Skills
skills-languages-legend = Languages and proficiency (1–5)
skills-language-n = Language { $number }
skills-proficiency-n = Proficiency for language { $number }
skills-remove-language = Remove language { $number }
skills-remove = Remove
skills-add-language = + Add a language
skills-specialties = Specialties
skills-certifications = Certifications
skills-certifications-example = e.g. court, medical
skills-save = Save skills
widening-after-invalid = Widening step { $number }: "after" must be a whole number of seconds.
widening-proficiency-invalid = Widening step { $number }: proficiency must be 1 to 5.
widening-legend = Pool widening
widening-hint = Steps that relax who may take a waiting call, each after a longer wait. A widened call keeps its place in the queue.
widening-none = No widening: the pool stays as the queue defines it.
widening-step-n = Widening step { $number }
widening-step-short = Step { $number }
widening-after-label = After (s)
widening-lower-proficiency = Lower proficiency to
widening-drop-specialty = Drop specialty
widening-drop-requirements = Drop requirements
widening-add-queue = Add queue
widening-remove-step = Remove widening step { $number }
widening-add-step = + Add a widening step
pairs-both-languages = Language pair { $number }: give both languages.
pairs-legend = Language pairs (besides English), proficiency 1–5
pairs-pair-n = Language pair { $number }
pairs-from = Pair { $number } from
pairs-to = Pair { $number } to
pairs-proficiency = Pair { $number } proficiency
pairs-remove = Remove language pair { $number }
pairs-add = + Add a language pair
profile-saved = Profile saved.
profile-heading = Profile of { $name }
profile-gender = Gender
profile-not-stated = Not stated
profile-gender-hint = Matched when a request asks for an interpreter's gender.
profile-save = Save profile

## The video room, widening badges

room-unavailable = The call's room is not available: { $error }
room-open-failed = Could not open the video room from { $domain }: { $error }
room-unknown-error = unknown error
room-script-missing = The video room script is missing from the page.
room-monitoring-muted = Monitoring · muted
room-joined = Joined
room-opening = Opening the room…
room-label = Video room
widened-title = Its pool of interpreters was relaxed by the queue's widening steps; it keeps its place.
widened-badge = widened to step { $step }
widened-text = Widened to step { $step } in { $queue }
copy-refused = The browser did not allow copying: the text is selected, press Ctrl+C (⌘C).
room-name = Room
room-on = on
guests-title = Guests
guests-name = Guest's name
guests-invite = Invite a guest
guests-link-for = Link for { $name }
guests-remove = Remove { $name }
guests-removed = { $name } was removed; the link no longer works.
title-guest = Joining a call
guest-joined-as = You are in the call as { $name }.
guest-leave = Leave the call
guest-left = You left the call.
guest-removed = You were removed from the call.
guest-expired = This link has expired. Ask for a new one.
guest-call-over = The call is over.
guest-link-invalid = This link is not valid.
media-failed-title = Video is not working
media-not-joined = The video room did not open within 20 seconds.
media-device-refused = The camera or microphone was refused or is not available.
media-retry = Try again
media-audio-only = Continue with audio only
media-dial-in = Or call by phone:
media-dial-in-pin = PIN
media-requeue = End my part and requeue the call
media-requeued = The call is back in its queue for another interpreter.
media-requeue-failed = The call could not be requeued: { $error }
floor-barge-in = Barge in
floor-barged-in = You are speaking in this call.
error-http-status = the server answered { $status }
error-unparsed = the server's answer did not parse: { $error }
floor-at-as-of = As of { $time } · { $count ->
    [one] { $count } event replayed
   *[other] { $count } events replayed
}

## Analytics: drill-down, trends and CSV (issue 20)
analytics-what-if = What if…
analytics-trend = Over time, per group
analytics-metric = Metric
analytics-drill-hint = Choose a figure to see the calls behind it.
analytics-csv-totals = Download CSV (totals)
analytics-csv-intervals = Download CSV (per interval)
metric-service-level = Service level
metric-asa = Average speed of answer (s)
metric-aht = Average handle time (s)
metric-abandonment-rate = Abandonment rate
metric-occupancy = Occupancy (interpreters)
metric-offered = Calls offered
drill-title = { $metric } — { $group } at { $at }
drill-call = Call
drill-no-call = (no call)
drill-answered-in-time = Answered in time
drill-offered-less-short = Offered less short abandons
drill-wait-s = Wait (s)
drill-handle-s = Talk, hold and wrap-up (s)
drill-handled = Handled
drill-abandoned-late = Abandoned after 5 s
drill-busy-s = Busy (s)
drill-logged-in-s = Logged in (s)
drill-count = { $count ->
    [one] { $count } call
   *[other] { $count } calls
}
drill-sum = { $calls }. Sum: { $numerator }
drill-sum-ratio = { $calls }. Sum: { $numerator } / { $denominator } = { $value }
drill-csv = Download CSV (calls behind the figure)
drill-close = Close

## What if (issue 20)
title-what-if = What if
what-if-intro = Replay the requests of a past interval through the router with other settings or staffing, and compare the metrics with what happened. Nothing reaches the live floor.
what-if-settings = What-if settings
what-if-from = From
what-if-to = To
what-if-bad-instant = { $field }: choose a date and time
what-if-bad-staffing = { $queue }: interpreters added must be a whole number
what-if-bad-ring = { $queue }: the ring timeout must be a number of seconds
what-if-changes = Changes per queue (leave empty to keep)
what-if-queue = Queue
what-if-staffing = Interpreters added (or removed, negative)
what-if-ring-timeout = Ring timeout (s)
what-if-strategy = Routing strategy
what-if-staffing-of = Interpreters added to { $queue }
what-if-ring-timeout-of = Ring timeout of { $queue }
what-if-strategy-of = Routing strategy of { $queue }
what-if-unchanged = unchanged
what-if-replay = Replay
what-if-replaying = Replaying… { $done }
what-if-failed = The replay failed: { $error }
what-if-all-queues = All queues
what-if-per-queue = Per queue
what-if-metric = Metric
what-if-actual = Actual
what-if-csv-total = Download CSV (all queues)
what-if-csv-queues = Download CSV (per queue)
what-if-asa-chart = Average speed of answer (s): actual and what if
what-if-sl-actual = Service level (actual)
what-if-sl-simulated = Service level (what if)
what-if-asa-actual = ASA (actual)
what-if-asa-simulated = ASA (what if)
what-if-abandoned-actual = Abandoned (actual)
what-if-abandoned-simulated = Abandoned (what if)
