/* pow-bench.c — stamp verify and mint times in one process, without the
 * process start that `postern-cli pow` pays each time.
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   pow-bench VERIFY_RUNS MINT_RUNS
 *
 * Prints JSON: the median verify time of one valid Argon2id stamp at the
 * default policy (12 bits, m=64 KiB, t=1), over VERIFY_RUNS, and the median
 * time to mint one at 12 bits on every core, over MINT_RUNS. Built by
 * bench/smtorp.py against build/src/libpostern-core.a.
 */
#include <stdio.h>
#include <stdlib.h>

#include "postern-pow.h"

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main (int argc, char **argv)
{
  const char *rcpt = "bob@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  int verify_runs = argc > 1 ? atoi (argv[1]) : 200;
  int mint_runs = argc > 2 ? atoi (argv[2]) : 9;
  double *verify = g_new (double, verify_runs);
  double *mint = g_new (double, mint_runs);
  PosternPowPolicy policy;
  PosternPowStamp *stamp = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GError *error = NULL;

  postern_pow_policy_init_default (&policy);
  for (int i = 0; i < mint_runs; i++)
    {
      gint64 t = g_get_monotonic_time ();
      if (stamp != NULL)
        postern_pow_stamp_free (stamp);
      stamp = postern_pow_mint (POSTERN_POW_ARGON2ID, 12, rcpt, 0, 0, now, NULL, &error);
      if (stamp == NULL)
        g_error ("mint: %s", error->message);
      mint[i] = (double) (g_get_monotonic_time () - t) / 1000.0;
    }
  for (int i = 0; i < verify_runs; i++)
    {
      gint64 t = g_get_monotonic_time ();
      if (!postern_pow_verify (stamp, rcpt, &policy, now, &error))
        g_error ("verify: %s", error->message);
      verify[i] = (double) (g_get_monotonic_time () - t) / 1000.0;
    }
  printf ("{\"verify_ms\": %.4f, \"mint_ms\": %.1f, \"verify_runs\": %d, \"mint_runs\": %d}\n",
          median (verify, verify_runs), median (mint, mint_runs), verify_runs, mint_runs);
  postern_pow_stamp_free (stamp);
  g_free (verify);
  g_free (mint);
  return 0;
}
