/* postern-core.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one header front ends include: the CLI, the GTK app and the tests.
 */
#pragma once

#include "postern-account.h"
#include "postern-address.h"
#include "postern-auto-locate.h"
#include "postern-autocrypt.h"
#include "postern-card.h"
#include "postern-card-import.h"
#include "postern-card-qr.h"
#include "postern-card-scan.h"
#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-html-remote.h"
#include "postern-index.h"
#include "postern-key-locator.h"
#include "postern-keyring.h"
#include "postern-maildir.h"
#include "postern-mbox.h"
#include "postern-net.h"
#include "postern-message-info.h"
#include "postern-outbox.h"
#include "postern-pgp-mime.h"
#include "postern-pow.h"
#include "postern-pow-spent.h"
#include "postern-profile.h"
#include "postern-resolver.h"
#include "postern-router.h"
#include "postern-secrets.h"
#include "postern-store.h"
#include "postern-trust.h"
#include "postern-transport-imap.h"
#include "postern-transport-local.h"
#include "postern-transport-smtp.h"
#include "postern-smtp-reply.h"
#include "postern-transport.h"
#include "postern-types.h"
#include "postern-ves.h"
#include "postern-ves-key.h"
