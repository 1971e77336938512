// Starts GOV.UK Frontend's components (error summary focus, radios, details...).
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

initAll();
