/* x-map-watch.c — reports when top-level windows are mapped, for
 * bench/app-start.py.
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   x-map-watch   (on $DISPLAY)
 *
 * Listens to the root window's substructure (there is no window manager
 * under the bench's Xvfb, so a client's top-level window is a child of the
 * root and its MapNotify comes straight from the server). Prints `ready`
 * once it listens, then for every mapped window that is not override-redirect
 * (menus, tooltips) one line:
 *
 *   map SECONDS PID 0xWINDOW TITLE
 *
 * SECONDS is CLOCK_MONOTONIC (Python's time.monotonic()), PID the window's
 * _NET_WM_PID or 0. Runs until killed. Build:
 *   cc -O2 -o x-map-watch x-map-watch.c -lX11
 */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long
window_pid (Display *dpy, Window w, Atom net_wm_pid)
{
  Atom type;
  int format;
  unsigned long n, after, pid = 0;
  unsigned char *data = NULL;

  if (XGetWindowProperty (dpy, w, net_wm_pid, 0, 1, False, XA_CARDINAL, &type, &format, &n, &after,
                          &data)
        == Success
      && data != NULL && n == 1 && format == 32)
    pid = *(unsigned long *) data;
  if (data != NULL)
    XFree (data);
  return pid;
}

static void
print_title (Display *dpy, Window w, Atom net_wm_name, Atom utf8)
{
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  char *name = NULL;

  if (XGetWindowProperty (dpy, w, net_wm_name, 0, 256, False, utf8, &type, &format, &n, &after,
                          &data)
        == Success
      && data != NULL && n > 0)
    printf ("%.*s", (int) n, (char *) data);
  else if (XFetchName (dpy, w, &name) && name != NULL)
    printf ("%s", name);
  if (data != NULL)
    XFree (data);
  if (name != NULL)
    XFree (name);
}

int
main (void)
{
  Display *dpy = XOpenDisplay (NULL);
  Atom net_wm_pid, net_wm_name, utf8;

  if (dpy == NULL)
    {
      fprintf (stderr, "x-map-watch: cannot open the display\n");
      return 1;
    }
  net_wm_pid = XInternAtom (dpy, "_NET_WM_PID", False);
  net_wm_name = XInternAtom (dpy, "_NET_WM_NAME", False);
  utf8 = XInternAtom (dpy, "UTF8_STRING", False);
  XSelectInput (dpy, DefaultRootWindow (dpy), SubstructureNotifyMask);
  XSync (dpy, False);
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    {
      XEvent ev;
      struct timespec now;

      XNextEvent (dpy, &ev);
      if (ev.type != MapNotify || ev.xmap.override_redirect)
        continue;
      /* The moment the server says so, before any round trip of ours. */
      clock_gettime (CLOCK_MONOTONIC, &now);
      printf ("map %ld.%09ld %lu 0x%lx ", (long) now.tv_sec, now.tv_nsec,
              window_pid (dpy, ev.xmap.window, net_wm_pid), ev.xmap.window);
      print_title (dpy, ev.xmap.window, net_wm_name, utf8);
      printf ("\n");
      fflush (stdout);
    }
}
