/* stream.h - the daemon's change-event listener: a thread that keeps a Streaming API subscription
 * to the box (Change Data Capture, else a PushTopic optsync creates) and gathers the records the
 * events name, for the daemon to read in a targeted run under the run lock. Events arriving while
 * a run holds the lock wait here and go into the next run together. The replay position is stored
 * by stream_done, after the run that covered the events, so a restart resumes without loss; a
 * gap (replay id too old, the client forgotten, a refusal) asks for a poll run instead. */
#ifndef OPTSYNC_STREAM_H
#define OPTSYNC_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STREAM_BATCH_IDS 200 /* more records than this in one batch: a poll run reads them all */
#define STREAM_CHANNELS 6    /* Contact, Lead and Account, by CDC or by PushTopic */

typedef struct stream stream;

/* What waits for the next run. */
typedef struct {
	char ids[STREAM_BATCH_IDS][19]; /* Contact, Lead and person Account ids whose box may have moved */
	size_t n_ids;
	int poll;        /* read everything (a gap, too many records, an event without ids) */
	char why[256];   /* why poll, for the log line */
	long events;     /* events gathered */
	long echoes;     /* of them, echoes of optsync's own writes (changeOrigin): not read */
	int64_t last_ms; /* commit time of the newest event, 0 none */
	struct {
		char channel[64];
		int64_t replay;
	} pos[STREAM_CHANNELS];
	size_t n_pos;
} stream_batch;

/* Starts the listener on the database at db_path (its own connection). */
stream *stream_start(const char *db_path, const char *key_path, err_t *e);

/* Moves what waits into b; returns 1 when there is something (ids, a poll, or only a replay
 * position to store), 0 when nothing waits. */
int stream_take(stream *st, stream_batch *b);

/* The run did not finish: what b held waits again (merged with what came since). */
void stream_give_back(stream *st, const stream_batch *b);

/* After the run that covered b stored its results: the replay positions, the event count and
 * the last event's time go into the store. */
int stream_done(store *s, const stream_batch *b, err_t *e);

/* The next line the listener wants logged (subscribed, refused, gap...); 1 when one was copied. */
int stream_note(stream *st, char *line, size_t n);

/* Stops the listener (waits a few seconds for a long poll to end, no longer). */
void stream_stop(stream *st);

/* The listener's state as /checks and `optsync check` show it. */
typedef struct {
	char state[16];      /* subscribed | connecting | refused | exhausted | "" (never ran) */
	char detail[256];    /* channels, or the refusal */
	char seen_at[40];    /* last answer from the stream */
	char last_event[40]; /* commit time of the last event stored */
	char replay[200];    /* "Contact 12, Lead 40, Person account 7" */
	char gap[300];       /* the last gap and when, "" none */
	long events;         /* events stored since the start */
	long echoes;         /* of them, echoes of optsync's own writes, not read */
} stream_status;

int stream_status_read(store *s, stream_status *out, err_t *e);

#endif
