// The dashboard's server: a JSON API over Temporal and the control DB that also serves the web app.
export {
  startDashboard,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  WEB_ROOT,
  type DashboardOptions,
  type RunningDashboard,
} from './start';
export { buildApp } from './app';
export { createContext, type DashboardContext } from './context';
export { isLoopback, requiredToken, DashboardTokenMissing, TOKEN_ENV } from './auth';
export { DashboardAddresses, InvalidAllowedHost, parseAllowedHosts, ALLOWED_HOSTS_ENV } from './addresses';
