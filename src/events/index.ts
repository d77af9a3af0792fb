export {
  EventBus,
  getDefaultEventBus,
  setDefaultEventBus,
  type EventBusOptions,
  type EventEmitter,
  type EventListener,
  type TrustHandoffEvent,
} from './bus.js';
