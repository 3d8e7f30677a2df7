/*  asynrole_deploy.c - filters and captures at run time */
#include "asynrole_deploy.h"
#include "agent_internal.h"
#include "error_fill.h"
#include "io_internal.h"
#include "manager_internal.h"
#include "role_deploy.h"
#include <string.h>

int
asynrole_agent_capture (asynrole_agent_t *self, const char *path, const asynrole_capture_t *options,
                        asynrole_error_t *error)
{
    if (!self || !path)
        return error_badarg (error, "no agent, or no path");
    return role_capture (agent_role (self), path, options, NULL, error);
}

int
asynrole_manager_capture (asynrole_manager_t *self, const char *path,
                          const asynrole_capture_t *options, asynrole_error_t *error)
{
    if (!self || !path)
        return error_badarg (error, "no manager, or no path");
    return role_capture (manager_role (self), path, options, NULL, error);
}

int
asynrole_io_capture (asynrole_io_t *self, const char *path, const asynrole_capture_t *options,
                     asynrole_error_t *error)
{
    if (!path)
        return error_badarg (error, "no path");
    return io_capture (self, path, options, NULL, error);
}

int
asynrole_agent_capture_stop (asynrole_agent_t *self, asynrole_capture_stats_t *stats,
                             asynrole_error_t *error)
{
    if (stats)
        memset (stats, 0, sizeof *stats);
    if (!self)
        return error_badarg (error, "no agent");
    return role_capture (agent_role (self), NULL, NULL, stats, error);
}

int
asynrole_manager_capture_stop (asynrole_manager_t *self, asynrole_capture_stats_t *stats,
                               asynrole_error_t *error)
{
    if (stats)
        memset (stats, 0, sizeof *stats);
    if (!self)
        return error_badarg (error, "no manager");
    return role_capture (manager_role (self), NULL, NULL, stats, error);
}

int
asynrole_io_capture_stop (asynrole_io_t *self, asynrole_capture_stats_t *stats,
                          asynrole_error_t *error)
{
    return io_capture (self, NULL, NULL, stats, error);
}

int
asynrole_agent_set_filter (asynrole_agent_t *self, const asynrole_filter_t *filter,
                           asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no agent");
    return role_filter (agent_role (self), filter, error);
}

int
asynrole_manager_set_filter (asynrole_manager_t *self, const asynrole_filter_t *filter,
                             asynrole_error_t *error)
{
    if (!self)
        return error_badarg (error, "no manager");
    return role_filter (manager_role (self), filter, error);
}
