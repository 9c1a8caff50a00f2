/**
 * The support desk's business calendar: opening hours in an IANA zone, public holidays from
 * date-holidays, extra closed dates, and business-time arithmetic (luxon). Pure: no clock,
 * no database.
 */
export * from './business-calendar';
export * from './rules';
export * from './display-time';
